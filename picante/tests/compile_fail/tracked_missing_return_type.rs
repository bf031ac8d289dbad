#[picante::tracked]
async fn log<DB: picante::HasRuntime>(db: &DB, n: u32) {
    println!("{n}");
}

fn main() {}
