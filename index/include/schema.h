// The index schema, shared by the indexer (which writes it) and search
// (which reads it): term prefixes, value slots, metadata, the article and
// its stored record, the terms of an analyzed field, and where an index
// lives on disk. Public header of index/. Described in docs/architecture.md
// (schema) and docs/analyzer.md (terms); nothing else spells a prefix, a
// slot number or a file name of the layout.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vietnamese.h"

namespace tracuu {

// Term prefixes.
namespace prefix {
inline constexpr std::string_view kFolded = "";         // binh (title+lead+body, positions)
inline constexpr std::string_view kExact = "E";         // Ebình (title+lead+body)
inline constexpr std::string_view kBigram = "B";        // Bbinh_tan (adjacent syllables)
inline constexpr std::string_view kPair = "P";          // Pbinh_tan: the same elsewhere, wdf 0
inline constexpr std::string_view kVariant = "I";       // Ikĩ for kỹ and kĩ (i/y variants)
inline constexpr std::string_view kTitle = "S";         // Sbinh (title, positions)
inline constexpr std::string_view kTitleExact = "SE";   // SEbình
inline constexpr std::string_view kTitleBigram = "SB";  // SBbinh_tan
inline constexpr std::string_view kAuthor = "A";        // Ale, Aan (author syllables)
inline constexpr std::string_view kCategory = "K";   // Kthe thao (whole folded category, boolean)
inline constexpr std::string_view kTag = "G";        // Gbong da (whole folded tag, boolean)
inline constexpr std::string_view kId = "Q";         // Qtn-2018-0007 (unique id, boolean)
inline constexpr std::string_view kOwnNumber = "N";  // N91/2015/qh13: the number it gives itself
}  // namespace prefix

// The term of a bigram of two folded syllables ("binh", "tan" → "binh_tan",
// without its prefix).
inline std::string bigram_text(std::string_view first, std::string_view second) {
  std::string out;
  out.reserve(first.size() + 1 + second.size());
  out.append(first).push_back('_');
  out.append(second);
  return out;
}

// Value slots of every document.
namespace slot {
inline constexpr Xapian::valueno kPublished = 0;     // "20210515" (DateRangeProcessor format)
inline constexpr Xapian::valueno kCategory = 1;      // "Thời sự" as written (facets)
inline constexpr Xapian::valueno kYear = 2;          // "2021" (facets)
inline constexpr Xapian::valueno kContentHash = 3;   // hex hash of the stored article
inline constexpr Xapian::valueno kDuplicateKey = 4;  // same key = same story (collapse)
inline constexpr Xapian::valueno kId = 5;            // the article id
}  // namespace slot

// The kPublished value of an ISO date: "2021-05-15" → "20210515" (the
// format Xapian's value ranges compare); "" for anything else.
std::string published_value(const std::string& iso);

// Database metadata keys.
namespace metadata {
// The analyzer version (kAnalyzerVersion) that wrote the index's terms.
inline constexpr const char* kAnalyzerVersion = "tracuu.analyzer_version";
}  // namespace metadata

// Limits of an article's fields: larger values are a broken export, not an
// article. The id is also a term (the "Q" prefix) and a URL path segment.
inline constexpr std::size_t kMaxIdBytes = 200;

// One article, as loaded from a source and as stored in the index.
struct Article {
  std::string id;     // required, the stable key, at most kMaxIdBytes
  std::string title;  // required
  std::string lead;
  std::string body;
  std::string caption;  // photo caption of text pages
  std::string author;
  std::string published;  // ISO date "2021-05-15", or empty when unknown
  std::string url;
  std::string category;
  std::vector<std::string> tags;
  // When a web archive captured the page (WARC-Date, "2024-03-16T08:30:00Z");
  // empty for other sources. Stored and shown, not searched: the article's
  // date is `published`.
  std::string captured;
  std::string encoding = "utf-8";  // what the source was written in (not stored)
  // Fields in which bytes that were not UTF-8 became U+FFFD (not stored).
  std::vector<std::string> invalid_utf8_fields;
  // Fields dropped because they are unsafe to show, and why ("url: ..."):
  // the article is indexed without them (not stored).
  std::vector<std::string> field_errors;
};

// Whether `url` is an absolute http or https address: the scheme in any
// case, "://", a host, no spaces or control characters. The only links a
// page, a feed or the widget may carry: "javascript:alert(1)", "data:...",
// "//evil.example/" (protocol-relative) are not (docs/indexing.md).
bool is_web_url(std::string_view url);
// Clears a url that is not is_web_url, saying why in a.field_errors.
void drop_unsafe_url(Article& a);

// A record that cannot be an article: why (a readable reason).
struct RecordError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Throws RecordError when `a` lacks its id or title, or a field is longer
// than its limit (id: kMaxIdBytes; title 2000 bytes, lead 20 KB, body 4 MB,
// ...: docs/indexing.md#jsonl).
void check_article(const Article& a);

// The stored record (the document data): compact, read without parsing,
// zstd-compressed when large (docs/architecture.md#schema).
std::string stored_data(const Article& a);
// Reads a stored record, also the JSON data of older indexes. Throws
// std::runtime_error for a damaged or unknown record.
Article article_from_data(std::string_view stored);

// The article as JSON: every stored field ({"id", "title", "lead", "body",
// "caption", "author", "published", "url", "category", "tags"}), for JSONL
// spools, exports and the API.
nlohmann::json article_json(const Article& a);
// A JSON record (valid UTF-8) as an article: fields checked against their
// limits, spaces trimmed, the date read (parse_date). Throws RecordError.
Article article_from_json(std::string_view json_text);

// FNV-1a 64: stable across compilers, runs and machines (unlike std::hash),
// for what is stored or decides where an article goes. Not cryptographic.
std::uint64_t stable_hash(std::string_view s, std::uint64_t seed = 14695981039346656037ull);
std::string content_hash(const Article& a);   // changes when any stored field does
std::string duplicate_key(const Article& a);  // equal for syndicated copies

// How one field of an article is indexed.
struct FieldSpec {
  bool title = false;         // also emit the title-only term spaces (S, SE, SB)
  Xapian::termcount wdf = 1;  // weight of each occurrence
};
// Adds the terms of `analysis` to `doc`, positions starting at `*position`
// (advanced past the field, with a gap so phrases never span two fields).
void index_field(const Analysis& analysis, const FieldSpec& spec, Xapian::Document& doc,
                 Xapian::termpos* position);

// The index cannot be opened (missing, not a tracuu index, unreadable).
struct IndexUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The index on disk: DIR holds generations (gen-000001, ...) and the stub
// file DIR/XAPIANDB naming the live one. Readers open DIR (Xapian follows the
// stub); a rebuild writes a new generation and renames a new stub over the
// old one, which switches every reader atomically. A plain Xapian database
// folder is accepted as an index of one generation, and so is a replica
// folder that xapian-replicate keeps (its stub names replica_0 or replica_1).
class IndexLocation {
 public:
  static constexpr const char* kStubFile = "XAPIANDB";   // Xapian's name for a stub
  static constexpr const char* kGlassFile = "iamglass";  // marks a glass database

  explicit IndexLocation(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }
  std::string stub_path() const;
  // The live generation's folder, or "" when the index does not exist yet.
  std::string live_generation() const;
  // A token that changes whenever the live generation is switched.
  std::string generation_token() const;
  // Opens the live index for reading. Throws IndexUnavailable, or
  // Xapian::Error when its files cannot be read.
  Xapian::Database open_reader() const;

  // Whether `dir` is a Xapian glass database.
  static bool is_database(const std::string& dir);

 private:
  std::string dir_;
};

}  // namespace tracuu
