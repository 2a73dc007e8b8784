//! Search across study materials (学习资料检索, issue 15, 7): courses, chapters (their text,
//! and the text of a PDF taken when it was uploaded), the topics of study plans and group
//! studies, found by Chinese words (jieba's segmentation) and by their characters — every
//! character of the query must be in a document, so 从严治警 finds 从严管党治警, and the
//! documents with the words themselves rank first.
//!
//! The index is a cache of the database: it is kept under the data directory, refreshed
//! after each change commits, and rebuilt from the database on start when it is missing,
//! unreadable, of an older shape, or holds another number of documents than the database
//! (a change it missed). A hit is only what the account may open: the orgs in its scope,
//! and the published courses offered at or above where it stands.

use std::path::Path;
use std::sync::Mutex;

use dangjian_core::org::OrgPath;
use dangjian_core::role::{Permission, Scope};
use dangjian_core::search::{SearchQuery, grams};
use dangjian_store::Page;
use dangjian_store::search::{self as store, DocKind, Group, SearchDoc};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::Services;
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};

/// The longest extract shown under a hit, in characters.
const FRAGMENT: usize = 120;
/// The most text taken from one PDF: a book, not a library.
const MAX_PDF_TEXT: usize = 500_000;
/// The largest PDF whose text is taken (a larger one is found by its title).
const MAX_PDF_BYTES: u64 = 64 * 1024 * 1024;
/// The index writer's memory (tantivy's least for one thread).
const WRITER_MEMORY: usize = 15_000_000;

const WORDS: &str = "jieba";
const GRAMS: &str = "grams";

/// One document found.
#[derive(Debug, Clone)]
pub struct Hit {
    pub kind: DocKind,
    pub id: i64,
    /// The course of a chapter, the year of a plan topic, the record a study was part of.
    pub parent: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub context: String,
    /// An extract of the text around what was found, and the byte ranges in it to mark.
    pub fragment: String,
    pub marks: Vec<std::ops::Range<usize>>,
}

/// The fields of the index.
#[derive(Clone, Copy)]
struct Fields {
    group: Field,
    kind: Field,
    id: Field,
    parent: Field,
    org_id: Field,
    /// The org's path exactly, and every path above it (`under`): the scope filters.
    org: Field,
    under: Field,
    published: Field,
    title: Field,
    body: Field,
    grams: Field,
    context: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(WORDS)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let grams_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(GRAMS)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        group: b.add_text_field("group", STRING),
        kind: b.add_text_field("kind", STRING | STORED),
        id: b.add_i64_field("id", STORED),
        parent: b.add_i64_field("parent", STORED),
        org_id: b.add_i64_field("org_id", STORED),
        org: b.add_text_field("org", STRING),
        under: b.add_text_field("under", STRING),
        published: b.add_text_field("published", STRING),
        title: b.add_text_field("title", words.clone()),
        body: b.add_text_field("body", words),
        grams: b.add_text_field("grams", grams_options),
        context: b.add_text_field("context", STORED),
    };
    (b.build(), fields)
}

/// Cuts text into the grams of [`grams`]: each Chinese character alone, other words whole.
#[derive(Clone, Default)]
struct GramTokenizer {
    token: Token,
}

struct GramStream<'a> {
    text: &'a str,
    spans: std::vec::IntoIter<(usize, usize)>,
    token: &'a mut Token,
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = GramStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GramStream<'a> {
        self.token.reset();
        GramStream {
            text,
            spans: grams(text).into_iter(),
            token: &mut self.token,
        }
    }
}

impl TokenStream for GramStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((start, end)) = self.spans.next() else {
            return false;
        };
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.position = self.token.position.wrapping_add(1);
        self.token.text.clear();
        self.token.text.push_str(&self.text[start..end]);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

fn gram_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(GramTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

/// Who may find what: everything, or the orgs under `subtree` and the published courses
/// offered at or above `home`.
#[derive(Debug, Clone)]
enum Visibility {
    All,
    Limited {
        subtree: Option<OrgPath>,
        home: Option<OrgPath>,
    },
}

/// The search index of the study materials.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// One writer at a time (tantivy refuses a second).
    writing: Mutex<()>,
}

fn failed(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("检索索引出错：{e}"))
}

impl SearchIndex {
    fn over(index: Index, fields: Fields) -> tantivy::Result<Self> {
        index.tokenizers().register(
            WORDS,
            TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .build(),
        );
        index.tokenizers().register(GRAMS, gram_analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
            writing: Mutex::new(()),
        })
    }

    /// An index held in memory (tests, and a deployment without a data directory).
    pub fn in_memory() -> tantivy::Result<Self> {
        let (schema, fields) = schema();
        Self::over(Index::create_in_ram(schema), fields)
    }

    /// The index kept in `dir`; one that cannot be read or is of another shape is removed
    /// and made anew (it is rebuilt from the database by `refresh_search_index`).
    pub fn open(dir: &Path) -> Result<Self, String> {
        let (schema, fields) = schema();
        let attempt = |schema: Schema| -> tantivy::Result<Index> {
            std::fs::create_dir_all(dir)?;
            let directory = MmapDirectory::open(dir)?;
            Index::open_or_create(directory, schema)
        };
        let index = match attempt(schema.clone()) {
            Ok(index) => index,
            Err(_) => {
                std::fs::remove_dir_all(dir)
                    .map_err(|e| format!("无法清理检索索引目录 {}：{e}", dir.display()))?;
                attempt(schema).map_err(|e| format!("无法建立检索索引：{e}"))?
            }
        };
        Self::over(index, fields).map_err(|e| format!("无法打开检索索引：{e}"))
    }

    fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn document(&self, doc: &SearchDoc) -> TantivyDocument {
        let f = self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.group, doc.group.key());
        d.add_text(f.kind, doc.kind.code());
        d.add_i64(f.id, doc.id);
        d.add_i64(f.parent, doc.parent);
        d.add_i64(f.org_id, doc.org_id);
        d.add_text(f.org, doc.org_path.as_str());
        for above in doc.org_path.lineage() {
            d.add_text(f.under, above.as_str());
        }
        d.add_text(f.published, if doc.published { "1" } else { "0" });
        d.add_text(f.title, &doc.title);
        d.add_text(f.body, &doc.body);
        d.add_text(f.grams, &doc.title);
        d.add_text(f.grams, &doc.body);
        d.add_text(f.context, &doc.context);
        d
    }

    /// Replaces the documents of `groups` (all of them when none is named) by `docs`.
    fn replace(&self, groups: Option<&[Group]>, docs: &[SearchDoc]) -> tantivy::Result<()> {
        let _one = self
            .writing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut writer: IndexWriter<TantivyDocument> =
            self.index.writer_with_num_threads(1, WRITER_MEMORY)?;
        match groups {
            None => {
                writer.delete_all_documents()?;
            }
            Some(groups) => {
                for g in groups {
                    writer.delete_term(Term::from_field_text(self.fields.group, &g.key()));
                }
            }
        }
        for doc in docs {
            writer.add_document(self.document(doc))?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()
    }

    /// The filter of what the account may find: `core::study::may_open` as a query, and for
    /// plan topics and group studies the scope alone.
    fn filter(&self, visibility: &Visibility) -> Option<Box<dyn Query>> {
        let Visibility::Limited { subtree, home } = visibility else {
            return None;
        };
        let f = self.fields;
        let term = |field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::Basic,
            ))
        };
        let mut either: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(root) = subtree {
            either.push((Occur::Should, term(f.under, root.as_str())));
        }
        if let Some(home) = home {
            let above: Vec<(Occur, Box<dyn Query>)> = home
                .lineage()
                .iter()
                .map(|p| (Occur::Should, term(f.org, p.as_str())))
                .collect();
            let offered = BooleanQuery::new(vec![
                (Occur::Must, term(f.published, "1")),
                (Occur::Must, Box::new(BooleanQuery::new(above))),
            ]);
            either.push((Occur::Should, Box::new(offered)));
        }
        Some(Box::new(BooleanQuery::new(either)))
    }

    /// The query of `q`: every gram in the document, its words (jieba's) scoring, a word in
    /// the title twice one in the text.
    fn query(&self, q: &SearchQuery, visibility: &Visibility) -> tantivy::Result<BooleanQuery> {
        let f = self.fields;
        let all_grams: Vec<(Occur, Box<dyn Query>)> = q
            .grams()
            .into_iter()
            .map(|g| -> (Occur, Box<dyn Query>) {
                (
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.grams, &g),
                        IndexRecordOption::WithFreqs,
                    )),
                )
            })
            .collect();
        let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut analyzer = self.index.tokenizer_for_field(f.body)?;
        let mut stream = analyzer.token_stream(q.as_str());
        while let Some(token) = stream.next() {
            let text = token.text.clone();
            words.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.title, &text),
                        IndexRecordOption::WithFreqs,
                    )),
                    2.0,
                )),
            ));
            words.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.body, &text),
                    IndexRecordOption::WithFreqs,
                )),
            ));
        }
        let mut parts: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(all_grams)))];
        if !words.is_empty() {
            parts.push((Occur::Should, Box::new(BooleanQuery::new(words))));
        }
        if let Some(filter) = self.filter(visibility) {
            parts.push((Occur::Must, filter));
        }
        Ok(BooleanQuery::new(parts))
    }

    /// One page of what `q` finds within `visibility`, best first, and how many there are.
    fn search(
        &self,
        q: &SearchQuery,
        visibility: &Visibility,
        page: Page,
    ) -> tantivy::Result<(Vec<Hit>, i64)> {
        let f = self.fields;
        let query = self.query(q, visibility)?;
        let searcher = self.reader.searcher();
        let offset = usize::try_from(page.offset()).unwrap_or(0);
        let limit = usize::try_from(page.limit()).unwrap_or(20).max(1);
        let (top, total) = searcher.search(
            &query,
            &(
                TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_score(),
                Count,
            ),
        )?;
        let mut by_words = SnippetGenerator::create(&searcher, &query, f.body)?;
        by_words.set_max_num_chars(FRAGMENT);
        let by_grams = SnippetGenerator::new(
            q.grams().into_iter().map(|g| (g, 1.0)).collect(),
            gram_analyzer(),
            f.body,
            FRAGMENT,
        );
        let mut hits = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let int = |field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or(0);
            let Some(kind) = DocKind::from_code(&text(f.kind)) else {
                continue;
            };
            let mut snippet = by_words.snippet_from_doc(&doc);
            if snippet.highlighted().is_empty() {
                snippet = by_grams.snippet_from_doc(&doc);
            }
            let (fragment, marks) = if snippet.fragment().is_empty() {
                (text(f.body).chars().take(FRAGMENT).collect(), Vec::new())
            } else {
                (
                    snippet.fragment().to_owned(),
                    snippet.highlighted().to_vec(),
                )
            };
            hits.push(Hit {
                kind,
                id: int(f.id),
                parent: int(f.parent),
                org_id: int(f.org_id),
                org_name: String::new(),
                title: text(f.title),
                context: text(f.context),
                fragment,
                marks,
            });
        }
        Ok((hits, i64::try_from(total).unwrap_or(i64::MAX)))
    }
}

/// The text of a PDF, its white space made single spaces, for the index; none when it
/// cannot be read (a scan, a damaged or encrypted file): the chapter is then found by its
/// title. The reader runs apart, so a malformed file costs a thread, not the server.
pub(crate) async fn pdf_text(path: &Path, size: u64) -> Option<String> {
    if size > MAX_PDF_BYTES {
        return None;
    }
    let path = path.to_owned();
    let read = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(|| pdf_extract::extract_text(&path).ok())
            .ok()
            .flatten()
    });
    let text = tokio::time::timeout(std::time::Duration::from_secs(30), read)
        .await
        .ok()?
        .ok()??;
    let joined: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_PDF_TEXT)
        .collect();
    (!joined.is_empty()).then_some(joined)
}

impl Services {
    fn search_index(&self) -> ServiceResult<&std::sync::Arc<SearchIndex>> {
        self.search
            .as_ref()
            .ok_or_else(|| ServiceError::Internal("检索索引不可用".into()))
    }

    /// Rebuilds the index from the database when it holds another number of documents
    /// (missing, new, or it missed a change); returns how many it holds.
    pub async fn refresh_search_index(&self, always: bool) -> ServiceResult<u64> {
        let index = self.search_index()?.clone();
        let mut tx = self.db().read().await?;
        let expected = store::count(&mut tx).await?;
        if !always && u64::try_from(expected).ok() == Some(index.num_docs()) {
            tx.commit().await?;
            return Ok(index.num_docs());
        }
        let docs = store::documents(&mut tx, None).await?;
        tx.commit().await?;
        tokio::task::spawn_blocking(move || index.replace(None, &docs).map(|()| index.num_docs()))
            .await
            .map_err(failed)?
            .map_err(failed)
    }

    /// Brings the documents of `group` in the index up to the database, after a change to
    /// them committed. A failure leaves the change made and the index to be rebuilt.
    pub(crate) async fn reindex(&self, group: Group) {
        let done = async {
            let index = self.search_index()?.clone();
            let mut tx = self.db().read().await?;
            let docs = store::documents(&mut tx, Some(group)).await?;
            tx.commit().await?;
            tokio::task::spawn_blocking(move || index.replace(Some(&[group]), &docs))
                .await
                .map_err(failed)?
                .map_err(failed)
        };
        if let Err(e) = done.await {
            tracing::warn!(error = %e, "检索索引未能更新，将整体重建");
            if let Err(e) = self.refresh_search_index(true).await {
                tracing::error!(error = %e, "检索索引重建失败");
            }
        }
    }

    /// Whether the account may search the study materials (asked by the empty search page).
    pub async fn may_search_study(&self, actor: &Actor) -> ServiceResult<()> {
        self.require(actor, Permission::ReadStudy, "study.search")
            .await
    }

    /// Searches the study materials the account may open.
    pub async fn search_study(
        &self,
        actor: &Actor,
        raw: &str,
        page: Page,
    ) -> ServiceResult<(Vec<Hit>, i64)> {
        self.require(actor, Permission::ReadStudy, "study.search")
            .await?;
        let q = SearchQuery::parse(raw).map_err(|e| ServiceError::invalid("q", e.to_string()))?;
        let visibility = match &actor.scope {
            Scope::Everything => Visibility::All,
            Scope::Subtree { path, .. } => Visibility::Limited {
                subtree: Some(path.clone()),
                home: Some(path.clone()),
            },
            Scope::OwnRecord { .. } => Visibility::Limited {
                subtree: None,
                home: self.course_home(actor).await?,
            },
            Scope::Nothing => return Ok((Vec::new(), 0)),
        };
        let index = self.search_index()?.clone();
        let (mut hits, total) =
            tokio::task::spawn_blocking(move || index.search(&q, &visibility, page))
                .await
                .map_err(failed)?
                .map_err(failed)?;
        let ids: Vec<i64> = hits.iter().map(|h| h.org_id).collect();
        let mut tx = self.db().read().await?;
        let names = store::org_names(&mut tx, &ids).await?;
        tx.commit().await?;
        for hit in &mut hits {
            hit.org_name = names.get(&hit.org_id).cloned().unwrap_or_default();
        }
        Ok((hits, total))
    }
}
