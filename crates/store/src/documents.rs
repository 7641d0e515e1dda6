//! Stored documents, compressed against a dictionary of their platform's own.
//!
//! An order's document (the canonical order as JSON, the platform's payload
//! inside) is kilobytes of text, and most of it is the same keys and shapes
//! order after order. Compressed one by one, a document shrinks 2.5–3×;
//! compressed by zstd against a dictionary made of earlier documents of the
//! same platform, 9–12× as a sync of the sandbox stores them (Damaijia
//! 8.3 KB → 683 bytes, the others 2.4–3.1 KB → 257–357 bytes), because the
//! dictionary already holds every key and shape. For 120,000 sandbox orders
//! the `orders` table went from 665 MB of an 858 MB file to 73 MB of 268 MB,
//! and a model of the sync's writes stored Damaijia 4× as fast.
//!
//! The dictionary is made from the first documents of the platform that a
//! write saw: trained on them by zstd, or where it cannot train, their raw
//! content (zstd then finds repeated strings in it as if it were text just
//! before the document). Either kind reads with the same calls, and
//! dictionaries of both kinds may be stored. Its id is a hash of its bytes, so an id
//! always names the same bytes, in every process and after any rollback;
//! every transaction that stores a document packed against it also writes
//! the dictionary (`document_dictionaries`, a no-op when present), so a
//! stored document never outlives the dictionary it needs.
//!
//! A stored value is either the JSON text as it was (it starts with `{`:
//! documents stored before this, copies, PostgreSQL) or `PACKED`, the
//! dictionary's id (8 bytes, little-endian) and a zstd frame with its content
//! size and checksum.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zstd::dict::{DecoderDictionary, EncoderDictionary};

/// The first byte of a packed document (never the first byte of JSON text).
const PACKED: u8 = 1;
/// zstd's level: 1 packs a Damaijia document within 10% of level 3's size at
/// a fraction of the time, and the sync's reading side has none to spare.
const LEVEL: i32 = 1;
/// Documents a dictionary is made of, at most, and at least: from fewer the
/// dictionary would hold too little of the platform's shapes to keep. A
/// first write brings a page of documents, so the first page makes it.
const SAMPLES: usize = 100;
const FEWEST_SAMPLES: usize = 8;
/// The size of a trained dictionary, at most.
const TRAINED_SIZE: usize = 16 * 1024;
/// A dictionary's size, at most (zstd reads up to its window from it).
const LARGEST_DICTIONARY: usize = 64 * 1024;
/// The largest document a packed value may unpack to: the size is read from
/// the stored frame, and a damaged one must not make us allocate without bound.
const LARGEST_DOCUMENT: u64 = 64 * 1024 * 1024;

/// A platform's dictionary, ready to pack with.
pub(crate) struct Dictionary {
    /// `id_of(content)`.
    pub id: i64,
    pub platform: String,
    pub content: Vec<u8>,
    encoder: EncoderDictionary<'static>,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dictionary").field("id", &self.id).field("platform", &self.platform).finish_non_exhaustive()
    }
}

impl Dictionary {
    pub(crate) fn new(platform: &str, content: Vec<u8>) -> Self {
        Dictionary {
            id: id_of(&content),
            platform: platform.to_string(),
            encoder: EncoderDictionary::copy(&content, LEVEL),
            content,
        }
    }

    /// A dictionary made of `documents` (the platform's), or none when there
    /// are too few to make a useful one.
    ///
    /// Trained by zstd where it can: a trained dictionary holds the strings
    /// the documents share and also the statistics their compression needs,
    /// which a frame otherwise works out (and stores) afresh. Against the
    /// raw content of the same documents, trained on the first 100 of each
    /// platform's sandbox documents, it packed them 8–21% smaller and in
    /// 37–48% less time (Python's `zstandard`). Where
    /// zstd cannot train on them (too few, too small or too alike), the
    /// dictionary is their raw content: the documents concatenated.
    pub(crate) fn from_samples<'a>(platform: &str, documents: impl Iterator<Item = &'a str>) -> Option<Self> {
        let samples: Vec<&[u8]> = documents.take(SAMPLES).map(str::as_bytes).collect();
        if samples.len() < FEWEST_SAMPLES {
            return None;
        }
        let content = zstd::dict::from_samples(&samples, TRAINED_SIZE).unwrap_or_else(|_| {
            let mut content = Vec::with_capacity(LARGEST_DICTIONARY);
            for sample in samples {
                let room = LARGEST_DICTIONARY - content.len();
                content.extend_from_slice(&sample[..sample.len().min(room)]);
            }
            content
        });
        Some(Dictionary::new(platform, content))
    }

    /// Packs documents, one after the other, with one compression context.
    pub(crate) fn packer(&self) -> Packer<'_> {
        let mut compressor = zstd::bulk::Compressor::with_prepared_dictionary(&self.encoder)
            .expect("a compression context can always be made");
        compressor.include_checksum(true).expect("zstd takes its checksum flag");
        // Against the dictionary's own tables, never a copy of them. zstd
        // copies them into the context for each document over 8 KB (at this
        // level), and a Damaijia document is 8.6 KB on average: packing its
        // documents all copied took 12.29 µs each, attached 9.95–10.89, the
        // default (a mix) 10.80, the packed sizes within a byte.
        compressor
            .set_parameter(zstd::zstd_safe::CParameter::ForceAttachDict(zstd::zstd_safe::DictAttachPref::ForceAttach))
            .expect("zstd takes its dictionary attachment");
        Packer { compressor, id: self.id }
    }
}

/// Packs documents against one dictionary (see `Dictionary::packer`).
pub(crate) struct Packer<'a> {
    compressor: zstd::bulk::Compressor<'a>,
    id: i64,
}

impl Packer<'_> {
    pub(crate) fn pack(&mut self, document: &str) -> Vec<u8> {
        let frame = self.compressor.compress(document.as_bytes()).expect("zstd compresses any input");
        let mut packed = Vec::with_capacity(1 + 8 + frame.len());
        packed.push(PACKED);
        packed.extend_from_slice(&self.id.to_le_bytes());
        packed.extend_from_slice(&frame);
        packed
    }
}

/// A document as written: its JSON text, and the packed value the column
/// holds instead where documents are packed.
#[derive(Debug)]
pub(crate) struct Document {
    pub text: String,
    pub packed: Option<Vec<u8>>,
}

impl Document {
    /// The column's value, as it is read back.
    pub(crate) fn stored(&self) -> &[u8] {
        self.packed.as_deref().unwrap_or(self.text.as_bytes())
    }

    /// The dictionary the document is packed against, if it is.
    pub(crate) fn dictionary(&self) -> Option<i64> {
        match classify(self.packed.as_deref()?) {
            Ok(Stored::Packed { dictionary, .. }) => Some(dictionary),
            _ => None,
        }
    }
}

/// A stored value, read.
pub(crate) enum Stored<'a> {
    /// JSON text, as it was written.
    Text(&'a str),
    /// Packed against the dictionary with this id.
    Packed { dictionary: i64, frame: &'a [u8] },
}

/// What a stored value is, or why it is neither.
pub(crate) fn classify(value: &[u8]) -> Result<Stored<'_>, String> {
    match value.first() {
        Some(&PACKED) if value.len() > 9 => {
            let id = i64::from_le_bytes(value[1..9].try_into().expect("eight bytes"));
            Ok(Stored::Packed { dictionary: id, frame: &value[9..] })
        }
        Some(&PACKED) => Err(format!("a packed document of {} bytes is too short", value.len())),
        _ => std::str::from_utf8(value).map(Stored::Text).map_err(|e| format!("document is not UTF-8: {e}")),
    }
}

/// The dictionaries this process has seen: the one each platform's new
/// documents are packed against, and every one by id for reading.
#[derive(Default)]
pub(crate) struct Dictionaries {
    by_platform: Mutex<HashMap<String, Arc<Dictionary>>>,
    by_id: Mutex<HashMap<i64, Arc<DecoderDictionary<'static>>>>,
}

impl std::fmt::Debug for Dictionaries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let known = self.by_id.lock().map(|ids| ids.len()).unwrap_or_default();
        f.debug_struct("Dictionaries").field("known", &known).finish_non_exhaustive()
    }
}

impl Dictionaries {
    pub(crate) fn for_platform(&self, platform: &str) -> Option<Arc<Dictionary>> {
        self.by_platform.lock().expect("dictionary cache").get(platform).cloned()
    }

    /// Makes `dictionary` the one new documents of its platform are packed
    /// against (and readable by id).
    pub(crate) fn adopt(&self, dictionary: Arc<Dictionary>) {
        self.learn(dictionary.id, &dictionary.content);
        self.by_platform.lock().expect("dictionary cache").insert(dictionary.platform.clone(), dictionary);
    }

    pub(crate) fn knows(&self, id: i64) -> bool {
        self.by_id.lock().expect("dictionary cache").contains_key(&id)
    }

    /// Makes the dictionary `content` (with id `id`, as stored) readable.
    pub(crate) fn learn(&self, id: i64, content: &[u8]) {
        let mut by_id = self.by_id.lock().expect("dictionary cache");
        by_id.entry(id).or_insert_with(|| Arc::new(DecoderDictionary::copy(content)));
    }

    /// The JSON text of a stored value (borrowed when stored as text). A
    /// packed one needs its dictionary known (`learn`) first.
    pub(crate) fn unpack<'a>(&self, value: &'a [u8]) -> Result<Cow<'a, str>, String> {
        let (dictionary, frame) = match classify(value)? {
            Stored::Text(text) => return Ok(Cow::Borrowed(text)),
            Stored::Packed { dictionary, frame } => (dictionary, frame),
        };
        let decoder = self
            .by_id
            .lock()
            .expect("dictionary cache")
            .get(&dictionary)
            .cloned()
            .ok_or_else(|| format!("document packed against dictionary {dictionary}, which is not stored"))?;
        let size = zstd::zstd_safe::get_frame_content_size(frame)
            .map_err(|_| "packed document: not a zstd frame".to_string())?
            .ok_or_else(|| "packed document: its frame does not say its size".to_string())?;
        if size > LARGEST_DOCUMENT {
            return Err(format!("packed document: its frame claims {size} bytes, more than any document"));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        DECOMPRESSION
            .with_borrow_mut(|context| context.decompress_using_ddict(&mut bytes, frame, decoder.as_ddict()))
            .map_err(|code| {
                let why = zstd::zstd_safe::get_error_name(code);
                format!("packed document: {why} (dictionary {dictionary})")
            })?;
        String::from_utf8(bytes).map(Cow::Owned).map_err(|e| format!("packed document is not UTF-8: {e}"))
    }
}

thread_local! {
    /// One decompression context per thread, reused: making one for each
    /// document was 29% of `orderhub orders export` (perf, 120,000 orders).
    static DECOMPRESSION: RefCell<zstd::zstd_safe::DCtx<'static>> = RefCell::new(zstd::zstd_safe::DCtx::create());
}

/// The dictionary id of `content`: FNV-1a, 64 bits (a hash every build and
/// every version computes the same, unlike std's).
pub(crate) fn id_of(content: &[u8]) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in content {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(i: usize) -> String {
        format!(r#"{{"id":"damaijia:shop:{i}","status":"paid","raw":{{"order_no":"{i}","buyer_nick":"buyer {i}"}}}}"#)
    }

    #[test]
    fn a_packed_document_unpacks_to_its_text() {
        let documents: Vec<String> = (0..40).map(document).collect();
        let dictionary = Dictionary::from_samples("damaijia", documents.iter().map(String::as_str)).unwrap();
        let dictionaries = Dictionaries::default();
        let mut packer = dictionary.packer();
        let packed: Vec<Vec<u8>> = documents.iter().map(|d| packer.pack(d)).collect();
        // Unreadable until the dictionary is known, and the error says which.
        let unknown = dictionaries.unpack(&packed[0]).unwrap_err();
        assert!(unknown.contains(&dictionary.id.to_string()), "{unknown}");
        dictionaries.learn(dictionary.id, &dictionary.content);
        for (document, packed) in documents.iter().zip(&packed) {
            assert!(packed.len() < document.len(), "{} of {}", packed.len(), document.len());
            assert_eq!(&dictionaries.unpack(packed).unwrap(), document);
        }
        // Text stored as it was reads back as it was.
        assert_eq!(dictionaries.unpack(documents[3].as_bytes()).unwrap(), documents[3]);
    }

    /// Documents as varied as a platform's: different numbers, names and
    /// amounts in the same shape, a kilobyte or so each.
    fn varied_document(i: usize) -> String {
        let lines: Vec<String> = (0..1 + i % 4)
            .map(|l| {
                format!(
                    r#"{{"sku":"SKU-{}-{l}","title":"item {} colour {}","qty":{},"price":"{}.{:02}"}}"#,
                    i * 7 % 113,
                    i % 17,
                    i % 5,
                    1 + l,
                    i % 300,
                    i % 100
                )
            })
            .collect();
        format!(
            r#"{{"id":"damaijia:shop:{}","status":"{}","total":"{}.{:02}","buyer":{{"name":"buyer {}","phone":"138{:08}"}},"raw":{{"order_no":"{}","items":[{}]}}}}"#,
            1_000_000 + i * 7919,
            ["paid", "shipped", "cancelled"][i % 3],
            i % 997,
            i % 100,
            i * 31 % 1000,
            i * 7_654_321 % 100_000_000,
            1_000_000 + i * 7919,
            lines.join(",")
        )
    }

    #[test]
    fn enough_varied_documents_train_a_dictionary_that_packs_them_smaller_than_raw_content() {
        let documents: Vec<String> = (0..SAMPLES * 3).map(varied_document).collect();
        let trained = Dictionary::from_samples("damaijia", documents.iter().map(String::as_str)).unwrap();
        // zstd's dictionary format (magic 0xEC30A437), not the documents' text.
        assert_eq!(trained.content[..4], [0x37, 0xa4, 0x30, 0xec]);
        assert!(trained.content.len() <= TRAINED_SIZE);
        let dictionaries = Dictionaries::default();
        dictionaries.learn(trained.id, &trained.content);
        let mut raw_content: Vec<u8> = documents[..SAMPLES].concat().into_bytes();
        raw_content.truncate(LARGEST_DICTIONARY);
        let raw = Dictionary::new("damaijia", raw_content);
        let (mut trained_packer, mut raw_packer) = (trained.packer(), raw.packer());
        // The documents after those it was trained on.
        let (mut trained_bytes, mut raw_bytes) = (0, 0);
        for document in &documents[SAMPLES..] {
            let packed = trained_packer.pack(document);
            assert_eq!(&dictionaries.unpack(&packed).unwrap(), document);
            trained_bytes += packed.len();
            raw_bytes += raw_packer.pack(document).len();
        }
        assert!(trained_bytes < raw_bytes, "trained {trained_bytes} bytes, raw content {raw_bytes}");
    }

    #[test]
    fn too_few_documents_make_no_dictionary_and_the_id_is_the_content() {
        let documents: Vec<String> = (0..FEWEST_SAMPLES - 1).map(document).collect();
        assert!(Dictionary::from_samples("damaijia", documents.iter().map(String::as_str)).is_none());
        assert_eq!(id_of(b"abc"), id_of(b"abc"));
        assert_ne!(id_of(b"abc"), id_of(b"abd"));
        // FNV-1a's published value for "a", so that the id never changes with a build.
        assert_eq!(id_of(b"a") as u64, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn a_damaged_packed_document_is_an_error_not_a_panic() {
        let documents: Vec<String> = (0..8).map(document).collect();
        let dictionary = Dictionary::from_samples("damaijia", documents.iter().map(String::as_str)).unwrap();
        let dictionaries = Dictionaries::default();
        dictionaries.learn(dictionary.id, &dictionary.content);
        let mut packed = dictionary.packer().pack(&documents[0]);
        let last = packed.len() - 1;
        packed[last] ^= 0xff; // the checksum
        assert!(dictionaries.unpack(&packed).is_err());
        assert!(dictionaries.unpack(&packed[..5]).is_err());
        assert!(dictionaries.unpack(&[0xff, 0xfe]).is_err());
        // A frame whose header claims a vast size is refused before anything is allocated.
        let mut vast = vec![PACKED];
        vast.extend_from_slice(&dictionary.id.to_le_bytes());
        // zstd magic, a single-segment header with an 8-byte content size, then the size.
        vast.extend_from_slice(&[0x28, 0xb5, 0x2f, 0xfd, 0xe0]);
        vast.extend_from_slice(&(1u64 << 40).to_le_bytes());
        let error = dictionaries.unpack(&vast).unwrap_err();
        assert!(error.contains("claims"), "{error}");
    }
}
