//! Reading an answer's JSON by hand, a value at a time, knowing where each
//! value's text begins and ends.
//!
//! Why: read the ordinary way, a page of orders is read twice. serde_json
//! splits it into each order's text (`&RawValue`: every byte of the page
//! scanned and checked), then parses each order's text into its wire struct
//! (every byte again). Walking the page here, each order is parsed into its
//! struct straight from the answer, and where the parse stops is where the
//! order's text ends: the text needs no pass of its own to be found or
//! checked. perf put the split at 7–10% of a Damaijia sync's CPU.
//!
//! Only the structure between values (`{`, `:`, `,`, `]`) is read here;
//! every value, keys included, is read by serde_json, with its checks. A
//! walk that meets anything else stops with [`NotWalked`], and the caller
//! reads the answer the ordinary way, which says what is wrong with it.
//!
//! Every connector's list answer is walked the same way ([`ListAnswer`]):
//! the envelope's outcome, then `data`, then its list, element by element,
//! so each byte of a page is read once (read as nested values, Wshoto's and
//! Westmonth's pages would be read three times: the envelope, its `data`,
//! then each order).

use crate::wire::{opt_integer, opt_text};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// Where a platform's successful list answer keeps what [`ListAnswer::walk`]
/// reads: `{"<code>": <success>, "data": {"<list>": [...], ...}}`, keys in
/// any order, others skipped.
#[derive(Debug, Clone, Copy)]
pub struct ListAnswer {
    /// The envelope's key that says how the call went.
    pub code: &'static str,
    /// Its value on success (sent as text or as a number).
    pub success: &'static str,
    /// The key of the list within `data`.
    pub list: &'static str,
    /// The most elements a page holds: the list's room, made once.
    pub page_size: usize,
}

/// One element of a walked list: read into `T`, with its text in the answer;
/// or, where it does not match `T` (a data error: text where `T` wants a
/// number, a field twice), its text only, for the connector to refuse with
/// its reason.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // nearly all are read; a box would be an allocation an order
pub enum Listed<'a, T> {
    Read(T, &'a str),
    Unread(&'a RawValue),
}

impl ListAnswer {
    /// The list of a successful answer, walked, each element read as `T`;
    /// `None` for any other answer, and for what the ordinary reading must
    /// judge (a key twice, a comma before `}`, bytes that are not UTF-8,
    /// JSON that is not JSON). `other` reads the other keys of `data` the
    /// connector wants: `Some(true)` when it read the value, `Some(false)`
    /// to skip it, `None` to give the walk up (a key it has read already:
    /// see [`once`]).
    pub fn walk<'a, T: Deserialize<'a>>(
        &self,
        body: &'a [u8],
        mut other: impl FnMut(&str, &mut JsonWalk<'a>) -> Option<bool>,
    ) -> Option<Vec<Listed<'a, T>>> {
        let mut walk = JsonWalk::new(std::str::from_utf8(body).ok()?);
        let mut answer = walk.begin_object().ok()?;
        let (mut code, mut list) = (None, None);
        while let Some(key) = walk.next_key(&mut answer).ok()? {
            if key == self.code {
                once(&mut code, walk.text())?;
            } else if key == "data" {
                if list.is_some() {
                    return None;
                }
                list = Some(self.walk_data(&mut walk, &mut other)?);
            } else {
                walk.skip_value().ok()?;
            }
        }
        (walk.at_end() && code?.as_deref() == Some(self.success)).then_some(list?)
    }

    /// [`ListAnswer::walk`] of an answer whose `data` also says its
    /// listing's `total` (Wshoto's, Damaijia's): the list and the total.
    pub fn walk_with_total<'a, T: Deserialize<'a>>(&self, body: &'a [u8]) -> Option<(Vec<Listed<'a, T>>, Option<i64>)> {
        let mut total = None;
        let list = self.walk(body, |key, walk| match key {
            "total" => once(&mut total, walk.integer()),
            _ => Some(false),
        })?;
        Some((list, total.flatten()))
    }

    /// `data` of a successful answer (see [`ListAnswer::walk`]); `None`
    /// without the list too (the ordinary reading says what that means).
    fn walk_data<'a, T: Deserialize<'a>>(
        &self,
        walk: &mut JsonWalk<'a>,
        other: &mut impl FnMut(&str, &mut JsonWalk<'a>) -> Option<bool>,
    ) -> Option<Vec<Listed<'a, T>>> {
        let mut data = walk.begin_object().ok()?;
        let mut list = None;
        while let Some(key) = walk.next_key(&mut data).ok()? {
            if key == self.list {
                if list.is_some() {
                    return None;
                }
                list = Some(walk_elements(walk, self.page_size)?);
            } else if !other(&key, walk)? {
                walk.skip_value().ok()?;
            }
        }
        list
    }
}

/// The elements of the array that comes next (`null`: none), in a list
/// with room for `room`. An element whose values do not match `T` is kept
/// as its text; JSON that is not JSON stops the walk.
fn walk_elements<'a, T: Deserialize<'a>>(walk: &mut JsonWalk<'a>, room: usize) -> Option<Vec<Listed<'a, T>>> {
    if walk.null() {
        return Some(Vec::new());
    }
    let mut listed = Vec::with_capacity(room);
    let mut elements = walk.begin_array().ok()?;
    while walk.next_element(&mut elements).ok()? {
        listed.push(match walk.value::<T>() {
            Ok((element, text)) => Listed::Read(element, text),
            Err(NotWalked::Value(error)) if error.is_data() => Listed::Unread(walk.value::<&RawValue>().ok()?.0),
            Err(_) => return None,
        });
    }
    Some(listed)
}

/// Reads `value` into `slot`, once: `None` (give the walk up, so that the
/// ordinary reading decides) when it was read before or could not be read.
pub fn once<V>(slot: &mut Option<V>, value: Result<V, NotWalked>) -> Option<bool> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value.ok()?);
    Some(true)
}

/// Text from a string, number or boolean, read as [`opt_text`] reads it.
#[derive(Deserialize)]
#[serde(transparent)]
struct Text(#[serde(deserialize_with = "opt_text")] Option<String>);

/// A whole number from a number or its text, read as [`opt_integer`] reads it.
#[derive(Deserialize)]
#[serde(transparent)]
struct Integer(#[serde(deserialize_with = "opt_integer")] Option<i64>);

/// Where the walk is in an answer's text.
#[derive(Debug)]
pub struct JsonWalk<'a> {
    text: &'a str,
    at: usize,
}

/// Why a walk stopped: the structure was not what the caller walks (the
/// ordinary reading of the answer says what it is), or a value could not be
/// read (serde_json's error).
#[derive(Debug)]
pub enum NotWalked {
    Structure,
    Value(serde_json::Error),
}

impl From<serde_json::Error> for NotWalked {
    fn from(error: serde_json::Error) -> Self {
        NotWalked::Value(error)
    }
}

impl<'a> JsonWalk<'a> {
    /// A walk from the start of `text`. It is text, so checked as UTF-8 once,
    /// as a whole: values' texts handed out are slices of it.
    pub fn new(text: &'a str) -> Self {
        JsonWalk { text, at: 0 }
    }

    fn skip_whitespace(&mut self) {
        let rest = &self.text.as_bytes()[self.at..];
        self.at += rest.iter().take_while(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t')).count();
    }

    /// Skips whitespace and takes `byte`, or stops.
    fn take(&mut self, byte: u8) -> Result<(), NotWalked> {
        self.skip_whitespace();
        if self.text.as_bytes().get(self.at) != Some(&byte) {
            return Err(NotWalked::Structure);
        }
        self.at += 1;
        Ok(())
    }

    /// Whether the next value is `null` (taken if it is).
    pub fn null(&mut self) -> bool {
        self.skip_whitespace();
        let is_null = self.text[self.at..].starts_with("null")
            && !self.text.as_bytes().get(self.at + 4).is_some_and(u8::is_ascii_alphanumeric);
        if is_null {
            self.at += 4;
        }
        is_null
    }

    /// Reads the next value as `T`, and gives its text with it. On an error
    /// the walk stays where the value begins, so that the caller may read it
    /// again as something else.
    pub fn value<T: Deserialize<'a>>(&mut self) -> Result<(T, &'a str), NotWalked> {
        self.skip_whitespace();
        let start = self.at;
        let mut values = serde_json::Deserializer::from_str(&self.text[start..]).into_iter::<T>();
        match values.next() {
            Some(Ok(value)) => {
                self.at = start + values.byte_offset();
                Ok((value, &self.text[start..self.at]))
            }
            Some(Err(error)) => Err(NotWalked::Value(error)),
            None => Err(NotWalked::Structure),
        }
    }

    /// Reads past the next value (checking it, as serde_json does).
    pub fn skip_value(&mut self) -> Result<(), NotWalked> {
        self.value::<IgnoredAny>().map(drop)
    }

    /// The next value as text, read as [`opt_text`] reads it.
    pub fn text(&mut self) -> Result<Option<String>, NotWalked> {
        self.value::<Text>().map(|(text, _)| text.0)
    }

    /// The next value as a whole number, read as [`opt_integer`] reads it.
    pub fn integer(&mut self) -> Result<Option<i64>, NotWalked> {
        self.value::<Integer>().map(|(number, _)| number.0)
    }

    /// Enters an object: then [`JsonWalk::next_key`] until it says `None`.
    pub fn begin_object(&mut self) -> Result<Entries, NotWalked> {
        self.take(b'{')?;
        Ok(Entries { first: true })
    }

    /// The object's next key (its value follows), or `None` after its `}`.
    pub fn next_key(&mut self, entries: &mut Entries) -> Result<Option<Cow<'a, str>>, NotWalked> {
        if !self.more(b'}', &mut entries.first)? {
            return Ok(None);
        }
        let (key, _) = self.value::<Cow<'a, str>>()?;
        self.take(b':')?;
        Ok(Some(key))
    }

    /// Enters an array: then [`JsonWalk::next_element`] before each element.
    pub fn begin_array(&mut self) -> Result<Entries, NotWalked> {
        self.take(b'[')?;
        Ok(Entries { first: true })
    }

    /// Whether another element follows (the walk is then at it), or the
    /// array has ended (after its `]`).
    pub fn next_element(&mut self, elements: &mut Entries) -> Result<bool, NotWalked> {
        self.more(b']', &mut elements.first)
    }

    /// After the value of an object or array: `close` ends it, a comma
    /// brings the next entry. A comma just before `close` is not JSON.
    fn more(&mut self, close: u8, first: &mut bool) -> Result<bool, NotWalked> {
        self.skip_whitespace();
        if self.text.as_bytes().get(self.at) == Some(&close) {
            self.at += 1;
            return Ok(false);
        }
        if !std::mem::take(first) {
            self.take(b',')?;
            self.skip_whitespace();
            if self.text.as_bytes().get(self.at) == Some(&close) {
                return Err(NotWalked::Structure);
            }
        }
        Ok(true)
    }

    /// Whether the text ends here (whitespace aside).
    pub fn at_end(&mut self) -> bool {
        self.skip_whitespace();
        self.at == self.text.len()
    }
}

/// The state of one object or array being walked.
#[derive(Debug)]
pub struct Entries {
    first: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    /// The keys of an object and their values' texts, as walked.
    fn entries(text: &str) -> Result<Vec<(String, String)>, NotWalked> {
        let mut walk = JsonWalk::new(text);
        let mut object = walk.begin_object()?;
        let mut out = Vec::new();
        while let Some(key) = walk.next_key(&mut object)? {
            let (_, value) = walk.value::<&RawValue>()?;
            out.push((key.into_owned(), value.to_string()));
        }
        assert!(walk.at_end(), "{text}");
        Ok(out)
    }

    #[test]
    fn values_come_with_their_exact_text() {
        let text = " { \"a\" : [1, {\"b\": \"x\\\"y\"}] ,\n\"k\\u00e9y\":-0.50e3, \"n\":null,\"s\":\"周\"}  ";
        let walked = entries(text).unwrap();
        let expected = [("a", "[1, {\"b\": \"x\\\"y\"}]"), ("kéy", "-0.50e3"), ("n", "null"), ("s", "\"周\"")];
        let expected: Vec<(String, String)> = expected.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(walked, expected);
        assert!(entries("{}").unwrap().is_empty());
    }

    #[test]
    fn an_array_is_walked_element_by_element_into_structs() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Item {
            id: u32,
        }
        let text = r#"[{"id":1,"other":[true,false]}, {"other":"}","id":2}]"#;
        let mut walk = JsonWalk::new(text);
        let mut elements = walk.begin_array().unwrap();
        let mut read = Vec::new();
        while walk.next_element(&mut elements).unwrap() {
            read.push(walk.value::<Item>().unwrap());
        }
        assert!(walk.at_end());
        assert_eq!(
            read,
            [(Item { id: 1 }, r#"{"id":1,"other":[true,false]}"#), (Item { id: 2 }, r#"{"other":"}","id":2}"#)]
        );
    }

    #[test]
    fn a_value_that_is_not_what_was_asked_leaves_the_walk_where_it_was() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Item {
            id: u32,
        }
        let mut walk = JsonWalk::new(r#"[{"id":"one"},{"id":2}]"#);
        let mut elements = walk.begin_array().unwrap();
        assert!(walk.next_element(&mut elements).unwrap());
        let Err(NotWalked::Value(error)) = walk.value::<Item>() else { panic!("a string is not a u32") };
        assert!(error.is_data(), "{error}");
        // Read again as what it is, from where it began.
        let (raw, text) = walk.value::<&RawValue>().unwrap();
        assert_eq!((raw.get(), text), (r#"{"id":"one"}"#, r#"{"id":"one"}"#));
        assert!(walk.next_element(&mut elements).unwrap());
        assert_eq!(walk.value::<Item>().unwrap().0.id, 2);
        assert!(!walk.next_element(&mut elements).unwrap());
    }

    #[test]
    fn what_is_not_json_stops_the_walk() {
        let broken = [
            r#"{"a":1,}"#,       // a comma before the end
            r#"{"a":1 "b":2}"#,  // no comma
            r#"{"a" 1}"#,        // no colon
            r#"{"a":tru}"#,      // not a value
            r#"{"a":"x"#,        // cut off in a string
            r#"{"a":[1,2"#,      // cut off in an array
            r#"{"a":{"b":1}"#,   // cut off after a value
            r#"{a:1}"#,          // a key that is not a string
            "{\"a\":\"\u{1}\"}", // a control character in a string
            r#"{"a":01}"#,       // a leading zero
        ];
        for text in broken {
            assert!(entries(text).is_err(), "{text} was walked");
        }
        let mut walk = JsonWalk::new("[1,]");
        let mut elements = walk.begin_array().unwrap();
        assert!(walk.next_element(&mut elements).unwrap());
        walk.skip_value().unwrap();
        assert!(matches!(walk.next_element(&mut elements), Err(NotWalked::Structure)));
    }

    #[test]
    fn null_is_told_from_what_only_begins_like_it() {
        let mut walk = JsonWalk::new(" null");
        assert!(walk.null() && walk.at_end());
        let mut walk = JsonWalk::new("nullx");
        assert!(!walk.null());
        let mut walk = JsonWalk::new("[]");
        assert!(!walk.null());
    }

    /// A walked page's elements (the text of each, and whether it was read
    /// as `Item`) and its `total`.
    type Walked = (Vec<(String, bool)>, Option<i64>);

    /// What a connector's page reads from `body`.
    fn walked(body: &str) -> Option<Walked> {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Item {
            id: u32,
        }
        const ANSWER: ListAnswer = ListAnswer { code: "code", success: "0", list: "rows", page_size: 2 };
        let (list, total) = ANSWER.walk_with_total::<Item>(body.as_bytes())?;
        let elements = list
            .into_iter()
            .map(|listed| match listed {
                Listed::Read(_, text) => (text.to_string(), true),
                Listed::Unread(raw) => (raw.get().to_string(), false),
            })
            .collect();
        Some((elements, total))
    }

    #[test]
    fn a_list_answer_is_walked_to_its_elements_whatever_the_order_of_its_keys() {
        let expected = Some((vec![(r#"{"id":1}"#.to_string(), true), (r#"{"id":"two"}"#.to_string(), false)], Some(2)));
        // The outcome as text or as a number, before or after `data`; keys the walk does not read skipped.
        for body in [
            r#"{"code":"0","msg":"ok","data":{"total":2,"rows":[{"id":1},{"id":"two"}],"page":{"a":[1]}}}"#,
            r#"{ "data" : { "rows" : [ {"id":1} , {"id":"two"} ] , "total" : "2" } , "code" : 0 }"#,
        ] {
            assert_eq!(walked(body), expected, "{body}");
        }
        assert_eq!(walked(r#"{"code":0,"data":{"rows":null}}"#), Some((vec![], None)));
        assert_eq!(walked(r#"{"code":0,"data":{"rows":[]}}"#), Some((vec![], None)));
    }

    #[test]
    fn what_the_ordinary_reading_must_judge_is_not_walked() {
        for body in [
            r#"{"code":"1","data":{"rows":[]}}"#,                     // not a success
            r#"{"data":{"rows":[]}}"#,                                // no outcome
            r#"{"code":"0"}"#,                                        // no data
            r#"{"code":"0","data":null}"#,                            // data that is not an object
            r#"{"code":"0","data":{"total":1}}"#,                     // no list
            r#"{"code":"0","code":"0","data":{"rows":[]}}"#,          // the outcome twice
            r#"{"code":"0","data":{"rows":[]},"data":{"rows":[]}}"#,  // data twice
            r#"{"code":"0","data":{"rows":[],"rows":[]}}"#,           // the list twice
            r#"{"code":"0","data":{"total":1,"total":2,"rows":[]}}"#, // a key the connector reads, twice
            r#"{"code":"0","data":{"rows":[{"id":1},]}}"#,            // a comma before `]`
            r#"{"code":"0","data":{"rows":[{"id":1}]}} x"#,           // something after the answer
            r#"{"code":"0","data":{"rows":[{"id":1"#,                 // cut off
        ] {
            assert_eq!(walked(body), None, "{body}");
        }
        let mut bytes = br#"{"code":"0","data":{"rows":[{"id":1,"x":""#.to_vec();
        bytes.extend_from_slice(b"\xff\"}]}}");
        assert!(std::str::from_utf8(&bytes).is_err());
        assert!(
            ListAnswer { code: "code", success: "0", list: "rows", page_size: 1 }
                .walk::<IgnoredAny>(&bytes, |_, _| Some(false))
                .is_none()
        );
    }
}
