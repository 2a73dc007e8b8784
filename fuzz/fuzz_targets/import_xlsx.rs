//! The member sheet upload on arbitrary bytes: rows or a Chinese message, never a panic,
//! whatever the zip, the XML or the cells hold.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = dangjian_service::import::parse_sheet(data);
});
