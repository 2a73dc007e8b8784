//! 身份证号 parsing, and the import's reading of one row, on arbitrary text: never a panic; an
//! accepted number is 18 characters with the right check character.
#![no_main]

use dangjian_core::id_number::{IdNumber, check_char};
use dangjian_core::import::{COLUMNS, Header, read_row};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = IdNumber::parse(text) {
        let bytes = id.as_str().as_bytes();
        assert_eq!(bytes.len(), 18);
        assert_eq!(check_char(&bytes[..17]), bytes[17]);
    }
    // The same text as the cells of a sheet: tab-separated columns under the real header.
    let header_row: Vec<String> = COLUMNS.iter().map(|(n, _)| (*n).to_owned()).collect();
    let mut rows = vec![header_row];
    rows.extend(
        text.lines()
            .map(|line| line.split('\t').map(str::to_owned).collect::<Vec<_>>()),
    );
    if let Ok(header) = Header::find(&rows) {
        for (i, cells) in rows.iter().enumerate().skip(header.row as usize) {
            let _ = read_row(&header, i as u32 + 1, cells);
        }
    }
});
