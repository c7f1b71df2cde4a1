//! The full-text half of search: a tantivy index of each program's title, organisations and body,
//! tokenised into positional bigrams ([`super::tokenizer`]). It answers one question: which programs
//! contain every query word, and how relevant is each. Filters, facets and sorting live in
//! [`super::summaries`]. The index is a disposable copy of PostgreSQL, private to one app node; its
//! commit payload records how far it has followed the catalogue, so a restart only catches up.

use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED};
use tantivy::{DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term};

use super::tokenizer::{self, BigramTokenizer};
use crate::catalog::store::Changed;

/// Bump when the schema or the tokenizer changes: an index built by another version is rebuilt.
const SCHEMA_VERSION: u32 = 1;
/// A title match outranks any body relevance: each query word found in the title adds this.
const TITLE_TIER: Score = 1000.0;
const WRITER_MEMORY: usize = 32_000_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    schema: u32,
    /// Which catalogue the index follows (a database recreated under the same name gets a new one).
    pub catalogue: String,
    /// Every change with a transaction id below this is in the index.
    pub cursor: i64,
}

struct Fields {
    id: Field,
    title: Field,
    org: Field,
    body: Field,
}

pub struct TextIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

impl TextIndex {
    /// Opens the index in `dir`, or creates it. Returns how far it had followed `catalogue`; an index
    /// of another schema or catalogue is emptied and reports no progress.
    pub fn open(dir: &Path, catalogue: &str) -> anyhow::Result<(TextIndex, Option<i64>)> {
        std::fs::create_dir_all(dir)?;
        let mmap = tantivy::directory::MmapDirectory::open(dir)?;
        let index =
            if Index::exists(&mmap)? { Index::open(mmap)? } else { Index::create(mmap, schema(), Default::default())? };
        let fields = match fields_of(&index.schema()) {
            Some(fields) => fields,
            None => anyhow::bail!("search index in {} has an unknown schema; delete the folder", dir.display()),
        };
        index.tokenizers().register(tokenizer::NAME, BigramTokenizer::default());
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let progress = index
            .load_metas()?
            .payload
            .and_then(|p| serde_json::from_str::<Progress>(&p).ok())
            .filter(|p| p.schema == SCHEMA_VERSION && p.catalogue == catalogue)
            .map(|p| p.cursor);
        let text_index = TextIndex { reader, writer: Mutex::new(writer), fields };
        if progress.is_none() {
            text_index.writer()?.delete_all_documents()?;
        }
        Ok((text_index, progress))
    }

    fn writer(&self) -> anyhow::Result<std::sync::MutexGuard<'_, IndexWriter>> {
        self.writer.lock().map_err(|_| anyhow::anyhow!("search index writer poisoned"))
    }

    /// Replaces the documents of the given programs; visible after [`TextIndex::commit`]. `fresh`
    /// says the index holds none of them (the first load into an empty index): each delete is a
    /// query kept until the commit (about 1 KB: 100 MB for a first load of 100,000 programs, which
    /// the allocator then keeps), so none is queued for documents that cannot be there.
    pub fn apply(&self, changes: &[Changed], fresh: bool) -> anyhow::Result<()> {
        let writer = self.writer()?;
        for change in changes {
            let p = &change.summary;
            let id = p.id as u64;
            if !fresh {
                writer.delete_term(Term::from_field_u64(self.fields.id, id));
            }
            if p.removed || p.duplicate_of.is_some() {
                continue;
            }
            let mut doc = TantivyDocument::default();
            doc.add_u64(self.fields.id, id);
            doc.add_text(self.fields.title, &p.title);
            let org = [p.ministry.as_deref(), p.agency.as_deref()].into_iter().flatten().collect::<Vec<_>>().join("\n");
            doc.add_text(self.fields.org, &org);
            doc.add_text(self.fields.body, &change.body);
            writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Makes applied changes searchable and records the new cursor with them, atomically.
    pub fn commit(&self, catalogue: &str, cursor: i64) -> anyhow::Result<()> {
        let progress = Progress { schema: SCHEMA_VERSION, catalogue: catalogue.to_string(), cursor };
        {
            let mut writer = self.writer()?;
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&serde_json::to_string(&progress)?);
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Every program containing all `words` (folded, non-empty), with its relevance score.
    /// Without `scored`, scores are all 0 and BM25 is not computed (for sorts other than relevance).
    pub fn matches(&self, words: &[Vec<char>], scored: bool) -> anyhow::Result<Vec<(i64, Score)>> {
        let clauses = words.iter().map(|word| (Occur::Must, self.word_query(word))).collect();
        let searcher = self.reader.searcher();
        Ok(searcher.search(&BooleanQuery::new(clauses), &AllMatches { scored })?)
    }

    fn word_query(&self, word: &[char]) -> Box<dyn Query> {
        let in_title = field_query(self.fields.title, word);
        Box::new(BooleanQuery::new(vec![
            (Occur::Should, Box::new(ConstScoreQuery::new(in_title.box_clone(), TITLE_TIER))),
            (Occur::Should, Box::new(BoostQuery::new(in_title, 2.0))),
            (Occur::Should, field_query(self.fields.org, word)),
            (Occur::Should, field_query(self.fields.body, word)),
        ]))
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

/// The query for "this field contains `word` as a substring" (see the tokenizer's contract).
fn field_query(field: Field, word: &[char]) -> Box<dyn Query> {
    match word {
        [] => Box::new(BooleanQuery::new(Vec::new())),
        [c] => {
            let alone = TermQuery::new(Term::from_field_text(field, &c.to_string()), IndexRecordOption::WithFreqs);
            let pattern = format!("{}.", regex_escape(*c));
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, Box::new(alone))];
            if let Ok(first_of_bigram) = RegexQuery::from_pattern(&pattern, field) {
                clauses.push((Occur::Should, Box::new(first_of_bigram)));
            }
            Box::new(BooleanQuery::new(clauses))
        }
        [_, _] => Box::new(TermQuery::new(
            Term::from_field_text(field, &word.iter().collect::<String>()),
            IndexRecordOption::WithFreqs,
        )),
        _ => {
            let terms = tokenizer::bigrams(word).iter().map(|t| Term::from_field_text(field, t)).collect();
            Box::new(PhraseQuery::new(terms))
        }
    }
}

fn regex_escape(c: char) -> String {
    if c.is_alphanumeric() {
        c.to_string()
    } else {
        format!("\\x{{{:x}}}", c as u32)
    }
}

fn schema() -> Schema {
    let mut builder = Schema::builder();
    builder.add_u64_field("id", FAST | INDEXED);
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer::NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    for name in ["title", "org", "body"] {
        builder.add_text_field(name, text.clone());
    }
    builder.build()
}

fn fields_of(schema: &Schema) -> Option<Fields> {
    Some(Fields {
        id: schema.get_field("id").ok()?,
        title: schema.get_field("title").ok()?,
        org: schema.get_field("org").ok()?,
        body: schema.get_field("body").ok()?,
    })
}

/// Collects every matching document as (program id, score): result sets are filtered, faceted and
/// sorted afterwards, so no top-k cut may happen here.
struct AllMatches {
    scored: bool,
}

struct SegmentMatches {
    ids: Column<u64>,
    found: Vec<(i64, Score)>,
}

impl Collector for AllMatches {
    type Fruit = Vec<(i64, Score)>;
    type Child = SegmentMatches;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches { ids: segment.fast_fields().u64("id")?, found: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        self.scored
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(i64, Score)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = Vec<(i64, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(id) = self.ids.first(doc) {
            self.found.push((id as i64, score));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.found
    }
}
