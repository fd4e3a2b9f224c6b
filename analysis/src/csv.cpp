// The numeric CSV reader of `smesim regress --csv`.
#include "smesim/analysis/csv.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "smesim/sim/errors.hpp"

namespace smesim::analysis {

namespace {

using sim::InputError;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

bool is_missing(std::string_view cell) {
  return cell.empty() || cell == "NA" || cell == "na" || cell == "NaN" || cell == "nan" ||
         cell == ".";
}

}  // namespace

bool CsvTable::has(std::string_view name) const {
  for (const auto& n : names)
    if (n == name) return true;
  return false;
}

const std::vector<double>& CsvTable::column(std::string_view name) const {
  for (std::size_t j = 0; j < names.size(); ++j)
    if (names[j] == name) return columns[j];
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  throw InputError(source + ": no column '" + std::string(name) + "' (columns: " + list + ")");
}

CsvTable parse_csv(std::istream& in, const std::string& source) {
  CsvTable t;
  t.source = source;
  std::string text;
  std::size_t line_no = 0;
  bool header = true;
  while (std::getline(in, text)) {
    ++line_no;
    std::string_view line = text;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM
    if (trim(line).empty()) continue;
    const std::string where = source + ":" + std::to_string(line_no) + ": ";
    if (line.find('"') != std::string_view::npos || line.find('\'') != std::string_view::npos)
      throw InputError(where + "quoted fields are not supported; write plain comma-separated " +
                       "values");
    const auto fields = split_fields(line);
    if (header) {
      for (const auto f : fields) {
        if (f.empty()) throw InputError(where + "the header has an empty column name");
        for (const auto& n : t.names)
          if (n == f) throw InputError(where + "column '" + std::string(f) + "' appears twice");
        t.names.emplace_back(f);
      }
      t.columns.resize(t.names.size());
      header = false;
      continue;
    }
    if (fields.size() != t.names.size())
      throw InputError(where + std::to_string(fields.size()) + " fields, but the header has " +
                       std::to_string(t.names.size()));
    for (std::size_t j = 0; j < fields.size(); ++j) {
      const auto cell = fields[j];
      double v = std::numeric_limits<double>::quiet_NaN();
      if (!is_missing(cell)) {
        const char* first = cell.data() + (cell.front() == '+' ? 1 : 0);
        const char* last = cell.data() + cell.size();
        const auto [end, ec] = std::from_chars(first, last, v);
        if (ec != std::errc() || end != last || !std::isfinite(v))
          throw InputError(where + "column '" + t.names[j] + "': '" + std::string(cell) +
                           "' is not a number");
      }
      t.columns[j].push_back(v);
    }
    t.line.push_back(line_no);
  }
  if (header) throw InputError(source + ": empty file (expected a header row of column names)");
  return t;
}

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open '" + path + "'");
  return parse_csv(in, path);
}

std::vector<double> term_values(const CsvTable& table, std::string_view term) {
  if (table.has(term) || term.find(':') == std::string_view::npos) return table.column(term);
  std::vector<double> product(table.rows(), 1.0);
  for (const auto& factor : split_list(term, ':', "interaction '" + std::string(term) + "'")) {
    const auto& v = table.column(factor);
    for (std::size_t i = 0; i < product.size(); ++i) product[i] *= v[i];
  }
  return product;
}

std::vector<std::string> split_list(std::string_view list, char sep, std::string_view what) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const auto at = list.find(sep, start);
    const auto item = trim(list.substr(start, at - start));
    if (item.empty())
      throw InputError(std::string(what) + ": empty name in '" + std::string(list) + "'");
    items.emplace_back(item);
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return items;
}

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string show_number(double v) {
  if (!std::isfinite(v)) return "-";
  char buf[40];
  if (std::abs(v) >= 1e4)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace smesim::analysis
