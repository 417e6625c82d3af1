//! Vocabulary shared by every extractor: values with validity, schemas, the trait.

pub mod extractor;
pub mod feature;
pub mod schema;
