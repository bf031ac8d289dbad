#[picante::input]
pub struct Cell<T> {
    #[key]
    pub id: u32,
    pub value: T,
}

fn main() {}
