// How sightings and scan records look on a terminal, in CSV and in JSON.
#pragma once

#include <ostream>
#include <string>

#include "model/scan_record.h"
#include "model/sighting.h"

namespace leakwatch::app {

// Several lines: verdict line, counts, then up to `max_evidence` evidence rows.
void print_sighting_text(std::ostream& out, const Sighting& s, std::size_t max_evidence = 10);
void print_scan_text(std::ostream& out, const ScanRecord& r);
// One table row per sighting under a header.
void print_sighting_table_header(std::ostream& out);
void print_sighting_table_row(std::ostream& out, const Sighting& s);
void print_sighting_csv_header(std::ostream& out);
void print_sighting_csv_row(std::ostream& out, const Sighting& s);
std::string csv_field(const std::string& raw);

}  // namespace leakwatch::app
