#[picante::db(inputs())]
pub enum Database {
    Empty,
}

fn main() {}
