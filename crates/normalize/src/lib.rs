//! Pure functions that turn what sources publish into Connect's typed fields.
//! No I/O lives here: every function takes text and returns values.
