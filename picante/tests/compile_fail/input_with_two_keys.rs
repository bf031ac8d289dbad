#[picante::input]
pub struct Cell {
    #[key]
    pub row: u32,
    #[key]
    pub column: u32,
    pub value: u64,
}

fn main() {}
