#[picante::tracked]
async fn double<DB: picante::HasRuntime>(n: u32, db: &DB) -> picante::PicanteResult<u32> {
    Ok(n * 2)
}

fn main() {}
