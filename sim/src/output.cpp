// The results file (HDF5), format 1.0: see docs/file-format.md and output.hpp.
#include "smesim/sim/output.hpp"

#include <H5Cpp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "smesim/model/params.hpp"

namespace smesim::sim {
namespace {

static_assert(sizeof(int) == 4, "Results::years is stored as int32");

constexpr const char* kFiletype = "smesim-results";
constexpr const char* kFormatVersion = "1.0";
constexpr const char* kFormatMajor = "1.";  // readers accept any 1.x
constexpr hsize_t kChunkRows = 65536;
constexpr int kDeflateLevel = 1;

// An error with a user-facing reason; the caller prefixes it with the file name.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The innermost message on HDF5's error stack (e.g. "unable to open file: ... errno = 2 ..."),
// which says more than the C++ exception's "H5Fcreate failed".
std::string hdf5_reason(const H5::Exception& e) {
  std::string innermost;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* err, void* data) -> herr_t {
        if (n == 0 && err->desc != nullptr) *static_cast<std::string*>(data) = err->desc;
        return 0;
      },
      &innermost);
  std::string reason = "HDF5 error in " + e.getFuncName() + ": " + e.getDetailMsg();
  if (!innermost.empty()) reason += " (" + innermost + ")";
  return reason;
}

// ---------------------------------------------------------------------------------------------
// Attributes

// Variable-length UTF-8 string: h5py reads it as str.
H5::StrType utf8_string_type() {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  return type;
}

void write_string_attr(const H5::H5Object& obj, const std::string& name, const std::string& value) {
  const H5::StrType type = utf8_string_type();
  const H5::Attribute attr = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  attr.write(type, value);
}

template <class T>
void write_scalar_attr(const H5::H5Object& obj, const std::string& name,
                       const H5::PredType& file_type, const H5::PredType& mem_type, T value) {
  const H5::Attribute attr = obj.createAttribute(name, file_type, H5::DataSpace(H5S_SCALAR));
  attr.write(mem_type, &value);
}

std::string read_string_attr(const H5::H5Object& obj, const std::string& name) {
  if (!obj.attrExists(name)) throw Failure("missing attribute '" + name + "'");
  const H5::Attribute attr = obj.openAttribute(name);
  if (attr.getTypeClass() != H5T_STRING) throw Failure("attribute '" + name + "' is not a string");
  const H5::StrType type = attr.getStrType();
  if (!type.isVariableStr()) {
    std::string value;
    attr.read(type, value);
    return value;
  }
  // Read through the C buffer so a null pointer (an unset string) becomes "".
  char* buffer = nullptr;
  attr.read(type, static_cast<void*>(&buffer));
  std::string value = buffer != nullptr ? buffer : "";
  H5free_memory(buffer);
  return value;
}

template <class T>
T read_integer_attr(const H5::H5Object& obj, const std::string& name,
                    const H5::PredType& mem_type) {
  if (!obj.attrExists(name)) throw Failure("missing attribute '" + name + "'");
  const H5::Attribute attr = obj.openAttribute(name);
  if (attr.getTypeClass() != H5T_INTEGER || attr.getSpace().getSimpleExtentNpoints() != 1)
    throw Failure("attribute '" + name + "' is not an integer scalar");
  T value{};
  attr.read(mem_type, &value);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Names and comma-separated name lists (the `columns` and `names` attributes)

void check_name(const std::string& name, const std::string& what) {
  if (name.empty() || name == "." || name.find_first_of("/,") != std::string::npos)
    throw Failure(what + " name '" + name + "' is invalid (empty, '.', or contains '/' or ',')");
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> names;
  if (list.empty()) return names;
  std::size_t start = 0;
  for (std::size_t comma; (comma = list.find(',', start)) != std::string::npos; start = comma + 1)
    names.push_back(list.substr(start, comma - start));
  names.push_back(list.substr(start));
  return names;
}

// ---------------------------------------------------------------------------------------------
// Writing

// A 1-D column: chunked (min(rows, 65536)) with shuffle + deflate; contiguous and empty for 0 rows.
template <class T>
void write_column(const H5::Group& group, const std::string& name, const std::vector<T>& values,
                  const H5::PredType& file_type, const H5::PredType& mem_type) {
  const hsize_t rows = values.size();
  const H5::DataSpace space(1, &rows);
  const H5::DSetCreatPropList props;
  if (rows > 0) {
    const hsize_t chunk = std::min(rows, kChunkRows);
    props.setChunk(1, &chunk);
    props.setShuffle();
    props.setDeflate(kDeflateLevel);
  }
  const H5::DataSet dataset = group.createDataSet(name, file_type, space, props);
  if (rows > 0) dataset.write(values.data(), mem_type);
}

void write_table(const H5::H5File& file, const char* group_name, const model::Table& table) {
  std::vector<std::string> names;
  const std::size_t rows = table.rows();
  auto check_column = [&](const std::string& name, std::size_t size) {
    check_name(name, std::string("/") + group_name + " column");
    if (std::find(names.begin(), names.end(), name) != names.end())
      throw Failure(std::string("/") + group_name + " has two columns named '" + name + "'");
    if (size != rows)
      throw Failure(std::string("/") + group_name + " column '" + name + "' has " +
                    std::to_string(size) + " rows, expected " + std::to_string(rows));
    names.push_back(name);
  };
  for (const auto& [name, values] : table.ints) check_column(name, values.size());
  for (const auto& [name, values] : table.reals) check_column(name, values.size());

  const H5::Group group = file.createGroup(group_name);
  write_string_attr(group, "columns", join(names));
  for (const auto& [name, values] : table.ints)
    write_column(group, name, values, H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT32);
  for (const auto& [name, values] : table.reals)
    write_column(group, name, values, H5::PredType::IEEE_F64LE, H5::PredType::NATIVE_DOUBLE);
}

// The names that the results' columns and codes refer to and the survey window, declared once in
// model/params.hpp: readers (the Python report) take them from the file instead of a copy.
void write_declared_names(const H5::Group& meta) {
  auto names = [](const auto& list) {
    return join(std::vector<std::string>(list.begin(), list.end()));
  };
  write_string_attr(meta, "regions", names(model::kRegionNames));
  write_string_attr(meta, "region_labels", names(model::kRegionLabels));
  write_string_attr(meta, "industries", names(model::kIndustryNames));
  const auto i32 = [&](const char* name, int value) {
    write_scalar_attr(meta, name, H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT32,
                      std::int32_t{value});
  };
  i32("survey_first_year", model::kSurvey.first_year);
  i32("survey_last_year", model::kSurvey.last_year);
  write_scalar_attr(meta, "survey_min_employees", H5::PredType::IEEE_F64LE,
                    H5::PredType::NATIVE_DOUBLE, model::kSurvey.min_employees);
}

// National enterprises per simulated firm (v2 2.6): model counts times this are national counts.
void write_national_scale(const H5::Group& meta, double scale) {
  write_scalar_attr(meta, "national_scale", H5::PredType::IEEE_F64LE, H5::PredType::NATIVE_DOUBLE,
                    scale);
}

void write_meta(const H5::H5File& file, const Results& results) {
  const H5::Group meta = file.createGroup("meta");
  const ResultsMeta& m = results.meta;
  write_string_attr(meta, "filetype", kFiletype);
  write_string_attr(meta, "format_version", kFormatVersion);
  write_string_attr(meta, "smesim_version", m.smesim_version);
  write_string_attr(meta, "git_commit", m.git_commit);
  write_string_attr(meta, "scenario_file", m.scenario_file);
  write_string_attr(meta, "scenario_yaml", m.scenario_yaml);
  write_string_attr(meta, "resolved_parameters", m.resolved_parameters);
  write_string_attr(meta, "created_utc", m.created_utc);
  write_national_scale(meta, m.national_scale);
  write_scalar_attr(meta, "seed", H5::PredType::STD_U64LE, H5::PredType::NATIVE_UINT64, m.seed);
  write_scalar_attr(meta, "points", H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT32,
                    std::int32_t{results.points});
  write_scalar_attr(meta, "reps", H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT32,
                    std::int32_t{results.reps});
  write_declared_names(meta);
  std::vector<std::string> extra;
  for (const auto& [name, value] : results.attributes) {
    check_name(name, "attribute");
    if (meta.attrExists(name))
      throw Failure("attribute name '" + name + "' is reserved or used twice");
    write_string_attr(meta, name, value);
    extra.push_back(name);
  }
  write_string_attr(meta, "extra_attributes", join(extra));
  std::vector<std::string> arrays;
  for (const auto& a : results.arrays) arrays.push_back(a.path);
  write_string_attr(meta, "arrays", join(arrays));
}

void write_arrays(const H5::H5File& file, const Results& results) {
  H5::LinkCreatPropList intermediate;
  H5Pset_create_intermediate_group(intermediate.getId(), 1);
  for (const auto& a : results.arrays) {
    if (a.path.empty() || a.path.find(',') != std::string::npos || a.path.front() == '/')
      throw Failure("array path '" + a.path + "' is empty, absolute or has a comma");
    std::uint64_t n = 1;
    for (auto d : a.shape) n *= d;
    if (n != a.values.size())
      throw Failure("array '" + a.path + "' has " + std::to_string(a.values.size()) +
                    " values for its shape");
    const std::vector<hsize_t> dims(a.shape.begin(), a.shape.end());
    const H5::DataSpace space(int(dims.size()), dims.data());
    const H5::DataSet d =
        file.createDataSet(a.path, H5::PredType::IEEE_F64LE, space, H5::DSetCreatPropList::DEFAULT,
                           H5::DSetAccPropList::DEFAULT, intermediate);
    if (n > 0) d.write(a.values.data(), H5::PredType::NATIVE_DOUBLE);
  }
}

void write_aggregates(const H5::H5File& file, const Results& results) {
  if (results.points < 0 || results.reps < 0) throw Failure("points and reps must not be negative");
  const hsize_t dims[3] = {static_cast<hsize_t>(results.points), static_cast<hsize_t>(results.reps),
                           results.years.size()};
  const hsize_t expected = dims[0] * dims[1] * dims[2];

  const H5::Group group = file.createGroup("aggregates");
  std::vector<std::string> names;
  for (const auto& [name, values] : results.aggregates) {
    check_name(name, "aggregate");
    if (name == "years" || std::find(names.begin(), names.end(), name) != names.end())
      throw Failure("aggregate name '" + name + "' is reserved or used twice");
    if (values.size() != expected)
      throw Failure("aggregate '" + name + "' has " + std::to_string(values.size()) +
                    " values, expected points * reps * years = " + std::to_string(expected));
    names.push_back(name);
  }
  write_string_attr(group, "names", join(names));
  write_column(group, "years", results.years, H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT);
  for (const auto& [name, values] : results.aggregates) {
    const H5::DataSet dataset =
        group.createDataSet(name, H5::PredType::IEEE_F64LE, H5::DataSpace(3, dims));
    if (expected > 0) dataset.write(values.data(), H5::PredType::NATIVE_DOUBLE);
  }
}

void write_file(const std::string& file_name, const Results& results) {
  // Create the file ourselves first: errno gives a clearer reason than HDF5 ("No such file or
  // directory", "Permission denied"); HDF5 then truncates it.
  std::FILE* probe = std::fopen(file_name.c_str(), "wb");
  if (probe == nullptr) throw Failure("cannot create '" + file_name + "': " + std::strerror(errno));
  std::fclose(probe);

  H5::H5File file(file_name, H5F_ACC_TRUNC);
  write_meta(file, results);
  write_aggregates(file, results);
  write_table(file, "panel", results.panel);
  write_table(file, "decisions", results.decisions);
  write_arrays(file, results);
  file.close();
}

// ---------------------------------------------------------------------------------------------
// Reading

template <class T>
std::vector<T> read_column(const H5::DataSet& dataset, const H5::PredType& mem_type) {
  const H5::DataSpace space = dataset.getSpace();
  std::vector<T> values(static_cast<std::size_t>(space.getSimpleExtentNpoints()));
  if (!values.empty()) dataset.read(values.data(), mem_type);
  return values;
}

hsize_t rank1_size(const H5::DataSet& dataset, const std::string& what) {
  const H5::DataSpace space = dataset.getSpace();
  if (space.getSimpleExtentNdims() != 1) throw Failure(what + " is not one-dimensional");
  hsize_t size = 0;
  space.getSimpleExtentDims(&size);
  return size;
}

model::Table read_table(const H5::H5File& file, const char* group_name) {
  const std::string where = std::string("/") + group_name;
  if (!file.nameExists(group_name)) throw Failure("missing group " + where);
  const H5::Group group = file.openGroup(group_name);
  model::Table table;
  std::size_t rows = 0;
  bool first = true;
  for (const std::string& name : split(read_string_attr(group, "columns"))) {
    if (!group.nameExists(name)) throw Failure("missing dataset " + where + "/" + name);
    const H5::DataSet dataset = group.openDataSet(name);
    const hsize_t size = rank1_size(dataset, where + "/" + name);
    if (!first && size != rows) throw Failure(where + " columns have different lengths");
    rows = size;
    first = false;
    switch (dataset.getTypeClass()) {
      case H5T_INTEGER:
        table.ints.emplace_back(name,
                                read_column<std::int32_t>(dataset, H5::PredType::NATIVE_INT32));
        break;
      case H5T_FLOAT:
        table.reals.emplace_back(name, read_column<double>(dataset, H5::PredType::NATIVE_DOUBLE));
        break;
      default:
        throw Failure(where + "/" + name + " is neither integer nor floating point");
    }
  }
  return table;
}

Results read_file(const std::string& path) {
  if (!H5::H5File::isHdf5(path)) throw Failure("not an smesim results file (not HDF5)");
  const H5::H5File file(path, H5F_ACC_RDONLY);
  if (!file.nameExists("meta")) throw Failure("not an smesim results file (no /meta group)");
  const H5::Group meta = file.openGroup("meta");
  if (!meta.attrExists("filetype") || read_string_attr(meta, "filetype") != kFiletype)
    throw Failure(std::string("not an smesim results file (/meta filetype is not '") + kFiletype +
                  "')");
  const std::string version = read_string_attr(meta, "format_version");
  if (version.rfind(kFormatMajor, 0) != 0)
    throw Failure("unsupported format_version '" + version + "' (this build reads 1.x)");

  Results r;
  r.meta.smesim_version = read_string_attr(meta, "smesim_version");
  r.meta.git_commit = read_string_attr(meta, "git_commit");
  r.meta.scenario_file = read_string_attr(meta, "scenario_file");
  r.meta.scenario_yaml = read_string_attr(meta, "scenario_yaml");
  r.meta.resolved_parameters = read_string_attr(meta, "resolved_parameters");
  r.meta.created_utc = read_string_attr(meta, "created_utc");
  r.meta.seed = read_integer_attr<std::uint64_t>(meta, "seed", H5::PredType::NATIVE_UINT64);
  if (meta.attrExists("national_scale"))
    meta.openAttribute("national_scale").read(H5::PredType::NATIVE_DOUBLE, &r.meta.national_scale);
  r.points = read_integer_attr<std::int32_t>(meta, "points", H5::PredType::NATIVE_INT32);
  r.reps = read_integer_attr<std::int32_t>(meta, "reps", H5::PredType::NATIVE_INT32);

  if (!file.nameExists("aggregates")) throw Failure("missing group /aggregates");
  const H5::Group aggregates = file.openGroup("aggregates");
  if (!aggregates.nameExists("years")) throw Failure("missing dataset /aggregates/years");
  const H5::DataSet years = aggregates.openDataSet("years");
  rank1_size(years, "/aggregates/years");
  r.years = read_column<int>(years, H5::PredType::NATIVE_INT);
  const hsize_t expected[3] = {static_cast<hsize_t>(r.points), static_cast<hsize_t>(r.reps),
                               r.years.size()};
  for (const std::string& name : split(read_string_attr(aggregates, "names"))) {
    const std::string where = "/aggregates/" + name;
    if (!aggregates.nameExists(name)) throw Failure("missing dataset " + where);
    const H5::DataSet dataset = aggregates.openDataSet(name);
    const H5::DataSpace space = dataset.getSpace();
    hsize_t dims[3] = {0, 0, 0};
    if (space.getSimpleExtentNdims() == 3) space.getSimpleExtentDims(dims);
    if (space.getSimpleExtentNdims() != 3 || !std::equal(dims, dims + 3, expected))
      throw Failure(where + " does not have shape [points, reps, years]");
    r.aggregates.emplace_back(name, read_column<double>(dataset, H5::PredType::NATIVE_DOUBLE));
  }

  r.panel = read_table(file, "panel");
  r.decisions = read_table(file, "decisions");
  if (meta.attrExists("extra_attributes"))
    for (const std::string& name : split(read_string_attr(meta, "extra_attributes")))
      r.attributes.emplace_back(name, read_string_attr(meta, name));
  if (meta.attrExists("arrays"))
    for (const std::string& path : split(read_string_attr(meta, "arrays"))) {
      if (!file.nameExists(path)) throw Failure("missing dataset /" + path);
      const H5::DataSet d = file.openDataSet(path);
      const H5::DataSpace space = d.getSpace();
      std::vector<hsize_t> dims(std::size_t(space.getSimpleExtentNdims()));
      if (!dims.empty()) space.getSimpleExtentDims(dims.data());
      Array a{path, std::vector<std::uint64_t>(dims.begin(), dims.end()), {}};
      a.values = read_column<double>(d, H5::PredType::NATIVE_DOUBLE);
      r.arrays.push_back(std::move(a));
    }
  return r;
}

}  // namespace

void write_results(const std::string& path, const Results& results) {
  H5::Exception::dontPrint();  // errors are reported through our exception, not on stderr
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  auto fail = [&](const std::string& reason) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw std::runtime_error("cannot write results file '" + path + "': " + reason);
  };
  try {
    write_file(temporary, results);
  } catch (const H5::Exception& e) {
    fail(hdf5_reason(e));
  } catch (const std::exception& e) {
    fail(e.what());
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    fail("cannot rename '" + temporary + "' to it: " + std::strerror(errno));
}

Results read_results(const std::string& path) {
  H5::Exception::dontPrint();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw std::runtime_error(
        "cannot read results file '" + path +
        "': " + (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
  try {
    return read_file(path);
  } catch (const H5::Exception& e) {
    throw std::runtime_error("cannot read results file '" + path + "': " + hdf5_reason(e));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read results file '" + path + "': " + e.what());
  }
}

}  // namespace smesim::sim
