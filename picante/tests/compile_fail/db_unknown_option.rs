#[picante::db(inputs(), caches(Files))]
pub struct Database {}

fn main() {}
