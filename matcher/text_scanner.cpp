// Scanning a text with the index: Hyperscan reports match ends; starts are found by walking
// back to value boundaries, each candidate normalised, hashed and looked up.
#include <stdexcept>

#include "matcher/text_index_impl.h"
#include "matcher/text_scan.h"

namespace leakwatch::matcher {

using namespace text_detail;

TextIndex::Scanner::Scanner(const TextIndex& index) : index_(index) {
  if (!index.impl_->scratch) return;
  hs_scratch_t* s = nullptr;
  if (hs_clone_scratch(index.impl_->scratch, &s) != HS_SUCCESS) {
    throw std::runtime_error("Hyperscan: cannot clone scratch space");
  }
  scratch_ = s;
}

TextIndex::Scanner::~Scanner() {
  if (scratch_) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_));
}

namespace {

struct ScanContext {
  const TextIndex::Impl* index;
  std::string_view text;
  TextHits* hits;
  bool records;
  std::uint64_t base;  // offset of this block in the whole text
  std::string normalised;
};

void match_record(ScanContext& ctx, const Expression& e, std::uint64_t to) {
  const auto text = ctx.text;
  if (to < e.min_width || !ends_value(text, to)) return;
  // Starts: token boundaries at most max_width back, nearest first ("born John Smith" tries
  // "Smith", "John Smith", "born John Smith").
  std::uint64_t starts[kMaxInnerStarts];
  int n = 0;
  const std::uint64_t lowest = to > e.max_width ? to - e.max_width : 0;
  for (std::uint64_t p = to - e.min_width + 1; p-- > lowest && n < kMaxInnerStarts;) {
    // A value may begin with punctuation ("+1 555 ..."), never with a space.
    const char c = text[p];
    if ((p == 0 || !byte_at(text, p - 1)) && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      starts[n++] = p;
    }
  }
  const std::size_t first_new = ctx.hits->records.size();
  for (int i = 0; i < n; ++i) {
    const auto span = text.substr(starts[i], to - starts[i]);
    int last_dataset = -1;
    Normaliser last_normaliser = Normaliser::text;
    std::uint64_t fp = 0;
    bool have_fp = false;
    for (const auto& [ds_index, col] : e.columns) {
      const auto& ds = ctx.index->datasets[ds_index];
      const auto& table = ds.columns[col];
      if (!have_fp || last_dataset != static_cast<int>(ds_index) ||
          last_normaliser != table.normaliser) {
        normalise_value_into(table.normaliser, span, ctx.normalised);
        have_fp = false;
        if (ctx.normalised.empty() || !fits(table.shape, ctx.normalised)) continue;
        fp = ds.hasher.fingerprint(ctx.normalised);
        have_fp = true;
        last_dataset = static_cast<int>(ds_index);
        last_normaliser = table.normaliser;
      } else if (!fits(table.shape, ctx.normalised)) {
        continue;
      }
      const auto [first, last] = table.find(fp);
      if (first == last) continue;
      // "+1 555 0100" and "1 555 0100" are one value: one hit per match end.
      const auto& hits = ctx.hits->records;
      if (std::any_of(hits.begin() + static_cast<std::ptrdiff_t>(first_new), hits.end(),
                      // Init-captures: clang 14 (clang-tidy) cannot capture structured bindings.
                      [&, column = col, lo = first](const RecordHit& h) {
                        return h.signature == ds.signature && h.column == column && h.first == lo;
                      })) {
        continue;
      }
      ctx.hits->records.push_back({ds.signature, col, ctx.base + starts[i], first, last});
    }
  }
}

void match_token(ScanContext& ctx, const Expression& e, std::uint64_t to) {
  // A shape is fixed-width: the token starts max_width before its end.
  if (to < e.max_width) return;
  const std::uint64_t from = to - e.max_width;
  if (!starts_value(ctx.text, from) || !ends_value(ctx.text, to)) return;
  const auto hash = sha256_of(ctx.text.substr(from, to - from));
  for (const auto t : e.tokens) {
    const auto& token = ctx.index->tokens[t];
    if (token.sha256 == hash) {
      ctx.hits->honeytokens.push_back({token.signature, ctx.base + from, to - from, hash});
    }
  }
}

int on_match(unsigned int id, unsigned long long, unsigned long long to, unsigned int,
             void* context) {
  auto& ctx = *static_cast<ScanContext*>(context);
  const auto& e = ctx.index->expressions[id];
  if (!e.tokens.empty()) match_token(ctx, e, to);
  if (ctx.records && !e.columns.empty()) match_record(ctx, e, to);
  if (ctx.hits->records.size() + ctx.hits->honeytokens.size() >= kMaxHitsPerText) {
    ctx.hits->truncated = true;
    return 1;
  }
  return 0;
}

}  // namespace

void TextIndex::Scanner::scan(std::string_view text, TextHits& hits, bool records) {
  if (!scratch_) return;
  // Hyperscan takes 32-bit lengths: long texts go in blocks cut at a line end when there is one
  // (a value split at a block edge is lost; lines are far shorter than a block).
  constexpr std::size_t kBlock = std::size_t{1} << 30;
  std::uint64_t base = 0;
  while (!text.empty() && !hits.truncated) {
    std::size_t len = text.size();
    if (len > kBlock) {
      const auto nl = text.rfind('\n', kBlock);
      len = nl == std::string_view::npos || nl == 0 ? kBlock : nl + 1;
    }
    ScanContext ctx{index_.impl_.get(), text.substr(0, len), &hits, records, base, {}};
    hs_scan(index_.impl_->db, ctx.text.data(), static_cast<unsigned>(len), 0,
            static_cast<hs_scratch_t*>(scratch_), on_match, &ctx);
    text.remove_prefix(len);
    base += len;
  }
}

}  // namespace leakwatch::matcher
