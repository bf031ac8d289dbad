#[picante::interned]
pub struct Name(String);

fn main() {}
