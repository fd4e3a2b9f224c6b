// A small reader for numeric CSV panels (`smesim regress --csv`): comma-separated fields, one
// header row of column names, numeric cells. Empty cells and NA are missing values (NaN); quoted
// fields are rejected. Errors are smesim::sim::InputError naming the file, line and column.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace smesim::analysis {

struct CsvTable {
  std::string source;                        // the file name, for messages
  std::vector<std::string> names;            // header, in file order
  std::vector<std::vector<double>> columns;  // one per name; NaN where the cell is missing
  std::vector<std::size_t> line;             // the file line of each row (1 = header)

  std::size_t rows() const { return line.size(); }
  bool has(std::string_view name) const;
  // Throws InputError listing the available columns when `name` is not one of them.
  const std::vector<double>& column(std::string_view name) const;
};

CsvTable read_csv(const std::string& path);
CsvTable parse_csv(std::istream& in, const std::string& source);

// The values of a model term: a column, or an interaction `A:B` (`A:B:C`...), the product of
// the columns. A column whose name contains ':' is taken as a column first.
std::vector<double> term_values(const CsvTable& table, std::string_view term);

// Splits "a, b,c" at `separator` into {"a", "b", "c"}; throws InputError naming `what` on an
// empty item.
std::vector<std::string> split_list(std::string_view list, char separator, std::string_view what);

// Writing tables: a number for a CSV cell (10 significant digits; empty when not finite), a text
// cell quoted when it holds a comma, a quote or a newline, and a number for a text table (4
// significant digits, whole numbers from 10 000; "-" when not finite).
std::string csv_number(double v);
std::string csv_text(const std::string& s);
std::string show_number(double v);

}  // namespace smesim::analysis
