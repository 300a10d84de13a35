//! A top-k collector that only keeps articles the asking client may see, applied while
//! tantivy scores documents (so `limit` is filled with visible articles) and compatible
//! with tantivy's block-WAND pruning.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Which documents of one segment each client may see.
#[derive(Debug, Default)]
pub(crate) struct SegmentScopes {
    /// `all[doc]`: visible to every client.
    all: Vec<bool>,
    /// Client id → sorted documents scoped to that client.
    by_client: HashMap<String, Vec<DocId>>,
}

impl SegmentScopes {
    pub(crate) fn new(max_doc: usize) -> Self {
        SegmentScopes {
            all: vec![false; max_doc],
            by_client: HashMap::new(),
        }
    }

    /// Records that `doc` is visible to every client.
    pub(crate) fn set_all(&mut self, doc: DocId) {
        if let Some(slot) = self.all.get_mut(doc as usize) {
            *slot = true;
        }
    }

    /// Records that `doc` is visible to `client`. Documents must be added in order.
    pub(crate) fn add_client(&mut self, doc: DocId, client: &str) {
        self.by_client
            .entry(client.to_string())
            .or_default()
            .push(doc);
    }

    fn visible(&self, doc: DocId, client_docs: Option<&Vec<DocId>>) -> bool {
        self.all.get(doc as usize).copied().unwrap_or(false)
            || client_docs.is_some_and(|docs| docs.binary_search(&doc).is_ok())
    }
}

/// Top `limit` documents by score among those visible to `client`.
pub(crate) struct VisibleTopDocs {
    pub limit: usize,
    pub client: String,
    pub scopes: Arc<Vec<SegmentScopes>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry(Score, DocId);

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    /// Higher score first, then lower doc id (so results are deterministic).
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .total_cmp(&other.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}

/// The per-segment part of [`VisibleTopDocs`].
pub(crate) struct VisibleSegmentTopDocs {
    limit: usize,
    segment_ord: SegmentOrdinal,
    client: String,
    scopes: Arc<Vec<SegmentScopes>>,
    heap: BinaryHeap<Reverse<Entry>>,
}

impl VisibleSegmentTopDocs {
    /// Offers a document; returns the score a document must now beat to enter the top.
    fn offer(&mut self, doc: DocId, score: Score, client_docs: Option<&Vec<DocId>>) -> Score {
        let threshold = self.threshold();
        if score > threshold || self.heap.len() < self.limit {
            let visible = self
                .scopes
                .get(self.segment_ord as usize)
                .is_some_and(|s| s.visible(doc, client_docs));
            if visible {
                self.heap.push(Reverse(Entry(score, doc)));
                if self.heap.len() > self.limit {
                    self.heap.pop();
                }
            }
        }
        self.threshold()
    }

    fn threshold(&self) -> Score {
        if self.heap.len() < self.limit {
            Score::MIN
        } else {
            self.heap.peek().map_or(Score::MIN, |Reverse(e)| e.0)
        }
    }
}

impl SegmentCollector for VisibleSegmentTopDocs {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let scopes = Arc::clone(&self.scopes);
        let client_docs = scopes
            .get(self.segment_ord as usize)
            .and_then(|s| s.by_client.get(&self.client));
        self.offer(doc, score, client_docs);
    }

    fn harvest(self) -> Self::Fruit {
        let segment_ord = self.segment_ord;
        let mut entries: Vec<Entry> = self.heap.into_iter().map(|Reverse(e)| e).collect();
        entries.sort_by(|a, b| b.cmp(a));
        entries
            .into_iter()
            .map(|Entry(score, doc_id)| {
                (
                    score,
                    DocAddress {
                        segment_ord,
                        doc_id,
                    },
                )
            })
            .collect()
    }
}

impl Collector for VisibleTopDocs {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = VisibleSegmentTopDocs;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        _reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(VisibleSegmentTopDocs {
            limit: self.limit.max(1),
            segment_ord,
            client: self.client.clone(),
            scopes: Arc::clone(&self.scopes),
            heap: BinaryHeap::with_capacity(self.limit + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Score, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        all.truncate(self.limit);
        Ok(all)
    }

    /// Scores with pruning: documents that cannot beat the current top are skipped,
    /// which lets tantivy use block-WAND on unions of term queries.
    fn collect_segment(
        &self,
        weight: &dyn tantivy::query::Weight,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Fruit> {
        let mut child = self.for_segment(segment_ord, reader)?;
        let scopes = Arc::clone(&self.scopes);
        let client_docs = scopes
            .get(segment_ord as usize)
            .and_then(|s| s.by_client.get(&self.client));
        let alive = reader.alive_bitset();
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            if alive.is_some_and(|a| a.is_deleted(doc)) {
                return child.threshold();
            }
            child.offer(doc, score, client_docs)
        })?;
        Ok(child.harvest())
    }
}
