// The index documents a crawl read, noted in its manifest (Manifest::documents) with the SHA-256
// and size of the bytes as received, so a scan record can say what its evidence rested on
// ("the listing at URL, fetched at T, had SHA-256 X"). Only index documents are noted (listing
// pages, checksum lists, JSON trees, torrent metadata, zip directories, leak post pages): never
// file content or a text dump, and the bytes themselves are never kept.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "model/manifest.h"

namespace leakwatch::crawler {

std::string sha256_hex(std::span<const std::uint8_t> bytes);

// Appends the document to `manifest.documents` (up to kMaxFetchedDocuments; past that it only
// counts in `documents_omitted`).
void note_document(Manifest& manifest, std::string kind, std::string url, std::string_view body);

}  // namespace leakwatch::crawler
