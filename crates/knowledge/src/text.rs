//! Text handling shared by indexing and querying: analyzers, word splitting,
//! conversational stop words and one-edit typo matching.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};

/// Name under which the stemming analyzer is registered in the index.
pub(crate) const ANALYZER: &str = "kb_en";

/// Tokens longer than this are dropped (hashes, base64, URLs without breaks).
const MAX_TOKEN_LEN: usize = 40;

/// Lowercasing, accent-folding, English-stemming analyzer used for every text field.
/// Stop words are kept in the index so that phrases such as "locked out" still match;
/// they are dropped from questions instead (see [`is_stop_word`]).
pub(crate) fn stemming_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The same analyzer without stemming: yields the surface words used for typo matching.
pub(crate) fn surface_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Removes apostrophes so that "can't" is one word ("cant") both in articles and questions.
pub(crate) fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\'' | '’' | '‘' | '`'))
        .collect()
}

/// Runs `analyzer` over `text` and returns the token texts.
pub(crate) fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Lowercase surface words of a question, in order (apostrophes removed, accents folded).
pub(crate) fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    tokens(analyzer, &normalize(text))
}

/// Words that carry no topic in a support question: English function words plus the
/// filler people type when asking for help ("hi, please help, it's not working").
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "a", "able", "about", "above", "actually", "after", "afternoon", "again", "ages", "ago",
    "aint", "all", "already", "also", "although", "am", "an", "and", "annoying", "another",
    "any", "anybody", "anymore", "anyone", "anything", "anyway", "anywhere", "apparently",
    "are", "arent", "as", "asap", "at", "basically", "be", "because", "been", "before",
    "being", "bit", "boss", "both", "broken", "but", "by", "came", "can", "cannot", "cant",
    "correctly", "could", "couldnt", "currently", "day", "did", "didnt", "do", "does",
    "doesnt", "doing", "done", "dont", "down", "each", "eight", "either", "else", "etc",
    "even", "evening", "ever", "every", "everybody", "everyone", "everything", "everywhere",
    "excuse", "few", "five", "fix", "fixed", "for", "four", "friday", "from", "get", "gets",
    "getting", "give", "go", "going", "got", "guess", "guys", "had", "hadnt", "happen",
    "happened", "happening", "happens", "has", "hasnt", "have", "havent", "having", "he",
    "hello", "help", "her", "here", "heres", "hes", "hey", "hi", "him", "his", "honestly",
    "hope", "hopefully", "hoping", "how", "however", "hows", "hundred", "i", "id", "if", "im",
    "in", "into", "is", "isnt", "issue", "issues", "it", "itll", "its", "itself", "ive",
    "just", "keep", "keeps", "kind", "know", "last", "lately", "let", "lets", "like",
    "literally", "little", "lol", "look", "looked", "looking", "lot", "lots", "mate", "maybe",
    "me", "might", "mine", "minute", "minutes", "monday", "month", "months", "more", "morning",
    "most", "much", "must", "my", "myself", "need", "needs", "never", "next", "night", "nine",
    "no", "nobody", "noone", "nor", "not", "noticed", "now", "nowhere", "of", "off", "ok",
    "okay", "on", "once", "one", "only", "or", "other", "our", "ours", "out", "over",
    "perhaps", "please", "pls", "plz", "possible", "possibly", "probably", "problem",
    "problems", "properly", "put", "quick", "quickly", "quite", "really", "right", "said",
    "same", "saturday", "say", "says", "seem", "seemed", "seems", "set", "seven", "she",
    "shes", "should", "shouldnt", "since", "six", "so", "some", "somebody", "somehow",
    "someone", "something", "somewhere", "sorry", "sort", "sorted", "still", "strange",
    "stuff", "stupid", "such", "suddenly", "sunday", "sure", "tell", "ten", "than", "thank",
    "thanks", "that", "thats", "the", "their", "them", "then", "there", "theres", "these",
    "they", "theyll", "theyre", "theyve", "thing", "things", "think", "third", "thirty",
    "this", "those", "though", "thought", "three", "thursday", "thx", "time", "times", "to",
    "today", "told", "tomorrow", "tonight", "too", "tried", "try", "trying", "tuesday", "turn",
    "twenty", "twice", "two", "u", "ugh", "unable", "up", "ur", "urgent", "us", "use", "using",
    "very", "via", "want", "wanted", "was", "wasnt", "way", "we", "wednesday", "week",
    "weekend", "weeks", "weird", "went", "were", "werent", "weve", "what", "whatever", "whats",
    "when", "whenever", "where", "wheres", "which", "while", "who", "whole", "whos", "why",
    "will", "with", "wonder", "wondering", "wont", "work", "working", "works", "would",
    "wouldnt", "year", "years", "yes", "yesterday", "yet", "you", "youd", "youll", "your",
    "youre", "yourself", "youve",
];

/// Whether a (lowercase, apostrophe-free) question word is a stop word.
pub(crate) fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
        || (word.chars().count() == 1 && !word.chars().all(|c| c.is_ascii_digit()))
}

/// Whether `a` and `b` differ by at most one edit: an insertion, a deletion, a
/// substitution or a swap of two neighbouring characters.
pub(crate) fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    if short.len() == long.len() {
        if prefix == short.len() {
            return true;
        }
        let rest = prefix + 1;
        // Substitution at `prefix`, or a swap of `prefix` and `prefix + 1`.
        short[rest..] == long[rest..]
            || (rest < short.len()
                && short[prefix] == long[rest]
                && short[rest] == long[prefix]
                && short[rest + 1..] == long[rest + 1..])
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// The word itself and every string obtained by deleting one character: two words are
/// within one edit only if these neighbourhoods intersect.
pub(crate) fn deletion_neighbourhood(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = Vec::with_capacity(chars.len() + 1);
    out.push(word.to_string());
    for skip in 0..chars.len() {
        let variant: String = chars
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, c)| *c)
            .collect();
        if out.last() != Some(&variant) {
            out.push(variant);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit("password", "pasword"));
        assert!(within_one_edit("password", "passwrod"));
        assert!(within_one_edit("printer", "printar"));
        assert!(within_one_edit("outlook", "outlook"));
        assert!(!within_one_edit("printer", "prnitre"));
        assert!(!within_one_edit("weather", "whether"));
    }

    #[test]
    fn words_fold_apostrophes() {
        let mut analyzer = surface_analyzer();
        assert_eq!(words(&mut analyzer, "Can't log in!"), ["cant", "log", "in"]);
    }
}
