// Article ⇄ stored record (and JSON), and the hashes the reindex job and "Tin khác" use.
#include <zstd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "indexer.h"

namespace tracuu {
namespace {

std::string hex64(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// FNV-1a: not cryptographic; it only has to notice edits.
std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::string article_to_json(const Article& a) {
  nlohmann::json j = {{"id", a.id},     {"title", a.title},       {"lead", a.lead},
                      {"body", a.body}, {"author", a.author},     {"published", a.published},
                      {"url", a.url},   {"category", a.category}, {"tags", a.tags}};
  if (!a.caption.empty()) j["caption"] = a.caption;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// The stored record: a version byte, then each field as a LEB128 length and
// its bytes, in the order below, then the tag count and each tag. Every hit
// of every search reads one, so it is made to be read without parsing;
// data stored as JSON by earlier versions starts with '{' and is still read.
// A record of more than kCompressFrom bytes is stored zstd-compressed (version
// byte 3, the plain record's size, the zstd frame): Xapian would otherwise
// deflate it, and inflating each hit's article cost 8% of a search; zstd
// reads back several times faster, and Xapian stores its output as it is
// (deflate cannot shrink it).
constexpr char kRecordVersion = '\x02';
constexpr char kCompressedRecordVersion = '\x03';
constexpr std::size_t kCompressFrom = 256;
constexpr int kZstdLevel = 3;
constexpr std::size_t kMaxRecordBytes = std::size_t{1} << 26;  // far above any article

void put_length(std::string& out, std::size_t n) {
  do {
    unsigned char byte = n & 0x7F;
    n >>= 7;
    out.push_back(static_cast<char>(n ? byte | 0x80 : byte));
  } while (n);
}

void put_field(std::string& out, std::string_view field) {
  put_length(out, field.size());
  out.append(field);
}

class RecordReader {
 public:
  RecordReader(std::string_view data, std::size_t pos) : data_(data), pos_(pos) {}

  std::size_t length() {
    std::size_t n = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) throw std::runtime_error("stored record: truncated");
      auto byte = static_cast<unsigned char>(data_[pos_++]);
      n |= static_cast<std::size_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return n;
    }
    throw std::runtime_error("stored record: bad length");
  }
  std::string field() {
    std::size_t n = length();
    if (n > data_.size() - pos_) throw std::runtime_error("stored record: truncated");
    std::string out(data_.substr(pos_, n));
    pos_ += n;
    return out;
  }
  std::string_view rest() const { return data_.substr(pos_); }

 private:
  std::string_view data_;
  std::size_t pos_;
};

// The record's text fields, in their order on disk: one list for writing and
// reading, so the two cannot disagree. (Tags follow them.)
template <typename A>  // Article or const Article
auto record_fields(A& a) {
  return std::array{&a.id,     &a.title,     &a.lead, &a.body,    &a.caption,
                    &a.author, &a.published, &a.url,  &a.category};
}

// The plain record (version 2).
std::string plain_record(const Article& a) {
  std::string out;
  out.reserve(a.title.size() + a.lead.size() + a.body.size() + a.caption.size() + 128);
  out.push_back(kRecordVersion);
  for (const std::string* field : record_fields(a)) put_field(out, *field);
  put_length(out, a.tags.size());
  for (const std::string& tag : a.tags) put_field(out, tag);
  return out;
}

Article article_from_plain_record(std::string_view record) {
  RecordReader in(record, 1);
  Article a;
  for (std::string* field : record_fields(a)) *field = in.field();
  std::size_t tags = in.length();
  if (tags > record.size()) throw std::runtime_error("stored record: bad tag count");
  for (std::size_t i = 0; i < tags; ++i) a.tags.push_back(in.field());
  return a;
}

// One compression context per thread, made once (they are large to create).
// Frames carry a checksum: a damaged record is an error, never wrong text.
struct ZstdContexts {
  ZSTD_CCtx* compress = ZSTD_createCCtx();
  ZSTD_DCtx* decompress = ZSTD_createDCtx();
  ZstdContexts() {
    ZSTD_CCtx_setParameter(compress, ZSTD_c_compressionLevel, kZstdLevel);
    ZSTD_CCtx_setParameter(compress, ZSTD_c_checksumFlag, 1);
  }
  ~ZstdContexts() {
    ZSTD_freeCCtx(compress);
    ZSTD_freeDCtx(decompress);
  }
};
ZstdContexts& zstd() {
  thread_local ZstdContexts contexts;
  return contexts;
}

Article article_from_stored_json(std::string_view stored) {
  nlohmann::json j = nlohmann::json::parse(stored);
  Article a;
  a.id = j.value("id", "");
  a.title = j.value("title", "");
  a.lead = j.value("lead", "");
  a.body = j.value("body", "");
  a.caption = j.value("caption", "");
  a.author = j.value("author", "");
  a.published = j.value("published", "");
  a.url = j.value("url", "");
  a.category = j.value("category", "");
  a.tags = j.value("tags", std::vector<std::string>{});
  return a;
}

}  // namespace

std::string stored_data(const Article& a) {
  std::string record = plain_record(a);
  if (record.size() < kCompressFrom) return record;
  std::string out(1, kCompressedRecordVersion);
  put_length(out, record.size());
  const std::size_t header = out.size();
  out.resize(header + ZSTD_compressBound(record.size()));
  std::size_t n = ZSTD_compress2(zstd().compress, out.data() + header, out.size() - header,
                                 record.data(), record.size());
  if (ZSTD_isError(n)) return record;  // stored plain, still readable
  out.resize(header + n);
  return out;
}

Article article_from_data(std::string_view stored) {
  if (stored.empty()) throw std::runtime_error("stored record: empty");
  switch (stored.front()) {
    case '{':
      return article_from_stored_json(stored);
    case kRecordVersion:
      return article_from_plain_record(stored);
    case kCompressedRecordVersion: {
      RecordReader in(stored, 1);
      const std::size_t size = in.length();
      const std::string_view frame = in.rest();
      if (size > kMaxRecordBytes || size != ZSTD_getFrameContentSize(frame.data(), frame.size()))
        throw std::runtime_error("stored record: bad compressed size");
      std::string record(size, '\0');
      std::size_t n =
          ZSTD_decompressDCtx(zstd().decompress, record.data(), size, frame.data(), frame.size());
      if (ZSTD_isError(n) || n != size || record.front() != kRecordVersion)
        throw std::runtime_error("stored record: damaged compressed record");
      return article_from_plain_record(record);
    }
    default:
      throw std::runtime_error("stored record: unknown format");
  }
}

std::string content_hash(const Article& a) {
  // Of the plain record, so a new zstd never makes every article look edited.
  // The analyzer version is part of the hash: new terms mean a changed document.
  return hex64(fnv1a(plain_record(a), fnv1a(std::to_string(kAnalyzerVersion))));
}

std::string duplicate_key(const Article& a) {
  // Syndicated copies keep the title, give or take case, accents, tone style
  // and punctuation: key on the folded title's letters and digits.
  std::string folded = fold_diacritics(a.title);
  std::string letters;
  for (char c : folded) {
    if (std::isalnum(static_cast<unsigned char>(c))) letters.push_back(c);
  }
  return hex64(fnv1a(letters));
}

std::string IndexReport::to_json() const {
  nlohmann::json j = {
      {"added", added},
      {"updated", updated},
      {"unchanged", unchanged},
      {"deleted", deleted},
      {"rejected", rejected},
      {"seconds", static_cast<double>(static_cast<long long>(seconds * 1000)) / 1000}};
  return j.dump();
}

}  // namespace tracuu
