struct Db;

#[picante::tracked]
async fn double(db: &Db, n: u32) -> picante::PicanteResult<u32> {
    Ok(n * 2)
}

fn main() {}
