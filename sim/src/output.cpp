// The results file (HDF5), format 1.1: see docs/file-format.md and output.hpp.
#include "smesim/sim/output.hpp"

#include <H5Cpp.h>
#include <libdeflate.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "smesim/model/params.hpp"
#include "smesim/sim/parallel.hpp"

namespace smesim::sim {
namespace {

static_assert(sizeof(int) == 4, "Results::years is stored as int32");

constexpr const char* kFiletype = "smesim-results";
constexpr const char* kFormatVersion = "1.1";
constexpr const char* kFormatMajor = "1.";   // readers accept any 1.x
constexpr hsize_t kChunkRows = 65536;        // /aggregates/years (written whole)
constexpr hsize_t kStreamChunkRows = 16384;  // /panel and /decisions (streamed)
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

// A 1-D column written whole (/aggregates/years): chunked (min(rows, 65536)) with shuffle +
// deflate; contiguous and empty for 0 rows.
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

// ---------------------------------------------------------------------------------------------
// Streaming the panel and the decision log (format 1.1)

static_assert(std::endian::native == std::endian::little,
              "chunks are written as stored (little-endian file types)");

// How a column is stored. Integer codes take the narrowest type of their declared range (the
// model's state arrays hold them in uint8/int8/int16), the manager traits and per-region shares
// float32 (the model holds them in float). Readers convert back to int32 and float64; a value
// outside its declared storage is an error, never a silent change.
enum class Storage { i8, i16, i32, f32, f64 };

Storage declared_storage(const std::string& name, bool integer) {
  auto starts = [&](const char* prefix) { return name.rfind(prefix, 0) == 0; };
  if (integer) {
    static const char* const kCodes[] = {
        "industry", "tier",       "D_lf",   "D_parent", "alive", "exit_cause", "experience_region",
        "trained",  "respondent", "linked", "source",   "mode",  "region",     "outcome"};
    for (const char* c : kCodes)
      if (name == c) return Storage::i8;
    if (starts("mode_")) return Storage::i8;
    if (name == "year" || name == "entry_year") return Storage::i16;
    return Storage::i32;  // point, rep, firm, customer and anything undeclared
  }
  static const char* const kSingle[] = {"rho", "experience", "ell", "proactivity", "age"};
  for (const char* c : kSingle)
    if (name == c) return Storage::f32;
  if (starts("saj_") || starts("suj_") || starts("I_")) return Storage::f32;
  return Storage::f64;
}

std::size_t storage_size(Storage s) {
  switch (s) {
    case Storage::i8:
      return 1;
    case Storage::i16:
      return 2;
    case Storage::i32:
      return 4;
    case Storage::f32:
      return 4;
    case Storage::f64:
      return 8;
  }
  return 8;
}

hid_t storage_file_type(Storage s) {
  switch (s) {
    case Storage::i8:
      return H5T_STD_I8LE;
    case Storage::i16:
      return H5T_STD_I16LE;
    case Storage::i32:
      return H5T_STD_I32LE;
    case Storage::f32:
      return H5T_IEEE_F32LE;
    case Storage::f64:
      return H5T_IEEE_F64LE;
  }
  return H5T_IEEE_F64LE;
}

const char* storage_name(Storage s) {
  switch (s) {
    case Storage::i8:
      return "int8";
    case Storage::i16:
      return "int16";
    case Storage::i32:
      return "int32";
    case Storage::f32:
      return "float32";
    case Storage::f64:
      return "float64";
  }
  return "?";
}

template <class T>
void put_integers(const std::int32_t* from, std::size_t n, unsigned char* to,
                  const std::string& column, Storage storage) {
  T* out = reinterpret_cast<T*>(to);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t v = from[i];
    if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
      throw Failure("column '" + column + "' holds " + std::to_string(v) +
                    ", outside its declared storage type " + storage_name(storage));
    out[i] = T(v);
  }
}

void put_floats(const double* from, std::size_t n, unsigned char* to, const std::string& column) {
  float* out = reinterpret_cast<float*>(to);
  for (std::size_t i = 0; i < n; ++i) {
    const float f = float(from[i]);
    if (double(f) != from[i] && !(std::isnan(f) && std::isnan(from[i])))
      throw Failure("column '" + column + "' holds a value that float32 does not hold exactly");
    out[i] = f;
  }
}

// libdeflate's compressor of this thread (compressors are not shared between threads).
struct Compressor {
  libdeflate_compressor* c = libdeflate_alloc_compressor(kDeflateLevel);
  ~Compressor() { libdeflate_free_compressor(c); }
};

// Bytes that are not zero-filled when allocated (the writer overwrites them).
struct Bytes {
  std::unique_ptr<unsigned char[]> data;
  std::size_t capacity = 0, size = 0;
  void resize(std::size_t n) {
    if (n > capacity) {
      data.reset(new unsigned char[n]);
      capacity = n;
    }
    size = n;
  }
};

// True when a byte plane (after the shuffle) looks random: its order-0 entropy is above 7 bits
// per byte, so deflate would save less than a tenth of it, slowly (the low mantissa bytes of most
// float64 columns).
bool looks_random(const unsigned char* p, std::size_t n) {
  if (n < 4096) return false;
  std::uint32_t count[256] = {};
  for (std::size_t i = 0; i < n; ++i) ++count[p[i]];
  double entropy = 0;
  for (std::uint32_t c : count)
    if (c > 0) {
      const double q = double(c) / double(n);
      entropy -= q * std::log2(q);
    }
  return entropy > 7.0;
}

// A zlib stream (what HDF5's deflate filter reads) of `n` bytes whose first `stored` bytes go
// in deflate's stored blocks and the rest through libdeflate: stored blocks end on a byte
// boundary, so libdeflate's raw deflate stream can follow them. Returns the size written.
std::size_t zlib_stream(libdeflate_compressor* c, const unsigned char* in, std::size_t n,
                        std::size_t stored, Bytes& out) {
  constexpr std::size_t kStoredMax = 65535;
  const std::size_t blocks = (stored + kStoredMax - 1) / kStoredMax;
  out.resize(2 + stored + 5 * (blocks + 1) + libdeflate_deflate_compress_bound(c, n - stored) + 4);
  unsigned char* o = out.data.get();
  std::size_t at = 0;
  o[at++] = 0x78;  // deflate, 32 KiB window
  o[at++] = 0x01;  // fastest; (0x78 * 256 + 0x01) % 31 == 0
  for (std::size_t from = 0; from < stored; from += kStoredMax) {
    const auto len = std::uint16_t(std::min(kStoredMax, stored - from));
    const bool last = from + len == n;
    o[at++] = last ? 0x01 : 0x00;  // BFINAL, BTYPE 00 (stored), padding to the byte
    o[at++] = std::uint8_t(len & 0xff);
    o[at++] = std::uint8_t(len >> 8);
    o[at++] = std::uint8_t(~len & 0xff);
    o[at++] = std::uint8_t((~len >> 8) & 0xff);
    std::memcpy(o + at, in + from, len);
    at += len;
  }
  if (stored < n) {
    const std::size_t size =
        libdeflate_deflate_compress(c, in + stored, n - stored, o + at, out.capacity - at - 4);
    if (size == 0) throw std::runtime_error("libdeflate failed");
    at += size;
  } else if (n == 0) {
    const unsigned char empty[5] = {0x01, 0x00, 0x00, 0xff, 0xff};  // a final empty block
    std::memcpy(o + at, empty, 5);
    at += 5;
  }
  const std::uint32_t adler = libdeflate_adler32(1, in, n);
  for (int shift : {24, 16, 8, 0}) o[at++] = std::uint8_t(adler >> shift);
  out.size = at;
  return at;
}

// HDF5's shuffle of n values of E bytes, in one pass over the values.
template <std::size_t E>
void shuffle(const unsigned char* in, std::size_t n, unsigned char* out) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < E; ++j) out[j * n + i] = in[i * E + j];
}

// One chunk of one column: shuffled and deflated (zlib format: HDF5's deflate filter) on some
// thread, then written by the writer's thread in chunk order.
struct Job {
  int table = 0;
  std::size_t column = 0;
  std::uint64_t chunk = 0;     // index along the column
  std::uint64_t rows_end = 0;  // the column's extent once this chunk is written
  std::size_t element = 1;     // bytes per value
  std::vector<unsigned char> raw;
  Bytes packed;
  std::atomic<int> state{0};  // 0 queued, 1 being compressed, 2 done
  bool failed = false;

  void compress() {
    thread_local Compressor compressor;
    thread_local Bytes shuffled;
    if (compressor.c == nullptr) throw std::bad_alloc();
    const std::size_t bytes = raw.size(), n = bytes / element;
    const unsigned char* in = raw.data();
    std::size_t stored = 0;
    if (element > 1) {  // HDF5's shuffle filter: byte j of every value, for j = 0, 1, ...
      shuffled.resize(bytes);
      unsigned char* out = shuffled.data.get();
      switch (element) {
        case 2:
          shuffle<2>(in, n, out);
          break;
        case 4:
          shuffle<4>(in, n, out);
          break;
        case 8:
          shuffle<8>(in, n, out);
          break;
        default:
          for (std::size_t j = 0; j < element; ++j)
            for (std::size_t i = 0; i < n; ++i) out[j * n + i] = in[i * element + j];
      }
      in = out;
      // Random low-order planes are stored, not searched for matches (the same stream size
      // within a few per cent, several times faster).
      while (stored < bytes && looks_random(in + stored, n)) stored += n;
    }
    zlib_stream(compressor.c, in, bytes, stored, packed);
  }
  // Compresses unless another thread has started; never throws (runs as a detached TBB task).
  void run() noexcept {
    int queued = 0;
    if (!state.compare_exchange_strong(queued, 1)) return;
    try {
      compress();
    } catch (...) {
      failed = true;
    }
    state.store(2, std::memory_order_release);
  }
  // Drops it unless a worker is compressing it; then waits for that.
  void cancel() noexcept {
    int queued = 0;
    if (state.compare_exchange_strong(queued, 2)) return;
    while (state.load(std::memory_order_acquire) != 2) std::this_thread::yield();
  }
  // The writer's thread: compresses it itself when no worker has taken it yet, else waits.
  void complete() noexcept {
    run();
    while (state.load(std::memory_order_acquire) != 2) std::this_thread::yield();
  }
};

// Chunks waiting for a TBB worker, of every writer of the process: hand_to_workers() queues one
// job and enqueues one task, and each task runs the oldest queued job (a job its writer has
// completed or cancelled meanwhile returns at once). Never destroyed: a task may run at exit.
class WorkerQueue {
 public:
  static WorkerQueue& instance() {
    static auto* queue = new WorkerQueue;
    return *queue;
  }
  void push(std::shared_ptr<Job> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    run_in_background([] { instance().run_oldest(); });
  }

 private:
  void run_oldest() {
    std::shared_ptr<Job> job;
    {
      std::lock_guard lock(mutex_);
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job->run();
  }
  std::mutex mutex_;
  std::deque<std::shared_ptr<Job>> jobs_;
};

void hand_to_workers(std::shared_ptr<Job> job) { WorkerQueue::instance().push(std::move(job)); }

// Temporary files removed by SIGINT and SIGTERM (async-signal-safe: fixed slots, unlink only).
struct TemporarySlot {
  std::atomic<bool> used{false};
  char path[4096] = {};
};
TemporarySlot g_temporaries[32];
std::mutex g_temporaries_mutex;
struct sigaction g_previous_int, g_previous_term;

extern "C" void remove_temporaries_on_signal(int sig) {
  for (auto& slot : g_temporaries)
    if (slot.used.load(std::memory_order_acquire)) ::unlink(slot.path);
  ::sigaction(sig, sig == SIGINT ? &g_previous_int : &g_previous_term, nullptr);
  ::raise(sig);  // the previous disposition (by default: terminate), once this handler returns
}

// Installs the handlers once, where the signals still have their default action (an ignored
// SIGINT stays ignored); ignores SIGXFSZ so that a file-size limit is a write error (EFBIG),
// not a killed process that leaves its temporary file.
void install_signal_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = remove_temporaries_on_signal;
    sigemptyset(&action.sa_mask);
    for (auto [sig, previous] : {std::pair{SIGINT, &g_previous_int}, {SIGTERM, &g_previous_term}}) {
      struct sigaction current {};
      if (::sigaction(sig, nullptr, &current) == 0 && current.sa_handler == SIG_DFL &&
          !(current.sa_flags & SA_SIGINFO)) {
        *previous = current;
        ::sigaction(sig, &action, nullptr);
      }
    }
    struct sigaction xfsz {};
    if (::sigaction(SIGXFSZ, nullptr, &xfsz) == 0 && xfsz.sa_handler == SIG_DFL) {
      xfsz.sa_handler = SIG_IGN;
      ::sigaction(SIGXFSZ, &xfsz, nullptr);
    }
  });
}

int register_temporary(const std::string& path) {
  install_signal_handlers();
  std::lock_guard lock(g_temporaries_mutex);
  if (path.size() >= sizeof(TemporarySlot::path)) return -1;
  for (int k = 0; k < int(std::size(g_temporaries)); ++k) {
    auto& slot = g_temporaries[k];
    if (slot.used.load()) continue;
    std::memcpy(slot.path, path.c_str(), path.size() + 1);
    slot.used.store(true, std::memory_order_release);
    return k;
  }
  return -1;  // all slots taken: this file is not removed on a signal
}

void unregister_temporary(int k) {
  if (k < 0) return;
  std::lock_guard lock(g_temporaries_mutex);
  g_temporaries[k].used.store(false, std::memory_order_release);
}

// The innermost message of HDF5's error stack, for a C API failure; a failed system call is
// summarised by its error ("HDF5 error in H5Dwrite_chunk: file write failed: File too large").
std::string hdf5_stack_reason(const char* call) {
  std::string innermost;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* err, void* data) -> herr_t {
        if (n == 0 && err->desc != nullptr) *static_cast<std::string*>(data) = err->desc;
        return 0;
      },
      &innermost);
  H5Eclear2(H5E_DEFAULT);
  std::string reason = std::string("HDF5 error in ") + call;
  const std::size_t message = innermost.find("error message = '");
  if (message != std::string::npos) {  // "file write failed: time = ..., error message = '...'"
    const std::size_t from = message + 17, to = innermost.find('\'', from);
    const std::string what = innermost.substr(0, innermost.find(':'));
    return reason + ": " + what + ": " + innermost.substr(from, to - from);
  }
  if (!innermost.empty()) reason += " (" + innermost + ")";
  return reason;
}

template <class R>
R check(R result, const char* call) {
  if (result < 0) throw Failure(hdf5_stack_reason(call));
  return result;
}

// A table being streamed into /panel or /decisions.
struct TableOut {
  explicit TableOut(const char* table) : name(table) {}
  const char* name;
  hid_t group = -1;
  std::vector<std::string> names;  // integer columns, then real ones, as in model::Table
  std::size_t n_ints = 0;
  std::vector<Storage> storage;
  std::vector<hid_t> datasets;
  std::vector<std::vector<unsigned char>> buffers;  // the chunk being filled, per column
  std::size_t fill = 0;                             // rows in the buffers
  std::uint64_t rows = 0, chunks = 0;               // rows appended; chunks handed out
};

}  // namespace

struct ResultsWriter::Impl {
  std::string path, temporary;
  int slot = -1;
  hid_t file = -1;
  TableOut tables[2] = {TableOut("panel"), TableOut("decisions")};
  std::deque<std::shared_ptr<Job>> jobs;  // handed out, not yet written, in chunk order
  std::size_t pending_bytes = 0;
  std::vector<std::vector<unsigned char>> spare;  // buffers of written chunks, for reuse
  std::vector<Bytes> spare_packed;
  bool done = false;
  std::uint64_t bytes = 0;
  double seconds = 0;

  // The raw bytes of handed-out chunks beyond which the writer compresses them itself: about one
  // row of chunks of the national panel (memory: the chunks being filled, these, and their
  // compressed copies).
  static constexpr std::size_t kMaxPendingBytes = std::size_t(4) << 20;

  [[noreturn]] void fail(const std::string& reason) {
    abandon();
    throw std::runtime_error("cannot write results file '" + path + "': " + reason);
  }

  // Closes everything (errors ignored: HDF5 prints nothing) and removes the temporary file.
  void abandon() noexcept {
    for (const auto& job : jobs) job->cancel();  // no worker keeps writing into our buffers
    jobs.clear();
    // After a failed write (a full disk, a file-size limit, an I/O error) HDF5 cannot flush the
    // file, H5Fclose fails and leaves it open, and HDF5's clean-up at exit then crashes on it
    // (1.10.8). So the file's descriptor is first pointed at an anonymous memory file, where
    // the last writes succeed (sparse: no memory for the data already written), and the close
    // goes through; the temporary file is removed below either way.
    void* handle = nullptr;
    if (file >= 0 && H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) >= 0 && handle != nullptr) {
      const int fd = *static_cast<int*>(handle);
      const int sink = ::memfd_create("smesim-abandoned", MFD_CLOEXEC);
      if (sink >= 0) {
        ::dup2(sink, fd);
        ::close(sink);
      }
    }
    for (auto& t : tables) {
      for (hid_t d : t.datasets) H5Dclose(d);
      t.datasets.clear();
      if (t.group >= 0) H5Gclose(t.group);
      t.group = -1;
    }
    // With a file-size limit the close must also stay below it (writes stop kLimitMargin short
    // of it, see write_ready); a soft limit is lifted to the hard one meanwhile.
    struct rlimit limit {};
    const bool limited = ::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != limit.rlim_max;
    if (limited) {
      struct rlimit lifted = limit;
      lifted.rlim_cur = limit.rlim_max;
      ::setrlimit(RLIMIT_FSIZE, &lifted);
    }
    if (file >= 0) H5Fclose(file);
    if (limited) ::setrlimit(RLIMIT_FSIZE, &limit);
    file = -1;
    H5Eclear2(H5E_DEFAULT);
    ::unlink(temporary.c_str());
    unregister_temporary(slot);
    slot = -1;
  }

  // A file-size limit (RLIMIT_FSIZE, `ulimit -f`) is an error before the write that would cross
  // it, kLimitMargin short of it: closing the abandoned file must still fit below the limit.
  static constexpr std::uint64_t kLimitMargin = std::uint64_t(1) << 20;
  void check_size_limit(std::uint64_t more) {
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
    haddr_t eoa = 0;
    check(H5Fget_eoa(file, &eoa), "H5Fget_eoa");
    if (eoa + more + kLimitMargin > limit.rlim_cur)
      throw Failure("the file would exceed the file-size limit of " +
                    std::to_string(limit.rlim_cur) +
                    " bytes (RLIMIT_FSIZE, ulimit -f): " + std::strerror(EFBIG));
  }

  std::vector<unsigned char> buffer(std::size_t bytes) {
    std::vector<unsigned char> b;
    if (!spare.empty()) {
      b = std::move(spare.back());
      spare.pop_back();
    }
    b.resize(bytes);
    return b;
  }

  void create_group(TableOut& t) {
    t.group = check(H5Gcreate2(file, t.name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2");
    const H5::Group group(t.group);  // a second reference for the attribute helpers
    write_string_attr(group, "columns", join(t.names));
  }

  // The first rows name the columns: create the group and one extendible dataset per column.
  // With `whole` (a table written at once, not streamed: tables that are not the model's, say a
  // test's), a column whose values its declared storage cannot hold is stored wide (int32,
  // float64) instead; streamed rows must fit (the model's declarations guarantee it).
  void create(TableOut& t, const model::Table& rows, bool whole) {
    const std::string where = std::string("/") + t.name;
    auto add = [&](const std::string& name, Storage storage) {
      check_name(name, where + " column");
      if (std::find(t.names.begin(), t.names.end(), name) != t.names.end())
        throw Failure(where + " has two columns named '" + name + "'");
      t.names.push_back(name);
      t.storage.push_back(storage);
    };
    for (const auto& [name, values] : rows.ints) {
      Storage s = declared_storage(name, true);
      const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
      if (whole && lo != values.end() &&
          ((s == Storage::i8 && (*lo < INT8_MIN || *hi > INT8_MAX)) ||
           (s == Storage::i16 && (*lo < INT16_MIN || *hi > INT16_MAX))))
        s = Storage::i32;
      add(name, s);
    }
    t.n_ints = t.names.size();
    for (const auto& [name, values] : rows.reals) {
      Storage s = declared_storage(name, false);
      if (whole && s == Storage::f32 && !std::all_of(values.begin(), values.end(), [](double v) {
            return double(float(v)) == v || std::isnan(v);
          }))
        s = Storage::f64;
      add(name, s);
    }
    create_group(t);
    const hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = kStreamChunkRows;
    const hid_t space = check(H5Screate_simple(1, &zero, &unlimited), "H5Screate_simple");
    const hid_t props = H5Pcreate(H5P_DATASET_CREATE);
    try {
      check(H5Pset_chunk(props, 1, &chunk), "H5Pset_chunk");
      check(H5Pset_shuffle(props), "H5Pset_shuffle");
      check(H5Pset_deflate(props, unsigned(kDeflateLevel)), "H5Pset_deflate");
      check(H5Pset_fill_time(props, H5D_FILL_TIME_NEVER), "H5Pset_fill_time");
      for (std::size_t k = 0; k < t.names.size(); ++k) {
        t.datasets.push_back(
            check(H5Dcreate2(t.group, t.names[k].c_str(), storage_file_type(t.storage[k]), space,
                             H5P_DEFAULT, props, H5P_DEFAULT),
                  "H5Dcreate2"));
        t.buffers.push_back(buffer(kStreamChunkRows * storage_size(t.storage[k])));
      }
    } catch (...) {
      H5Pclose(props);
      H5Sclose(space);
      throw;
    }
    H5Pclose(props);
    H5Sclose(space);
  }

  void append(int which, const model::Table& rows, bool whole = false) {
    TableOut& t = tables[which];
    const std::string where = std::string("/") + t.name;
    if (rows.ints.empty() && rows.reals.empty()) return;
    if (t.group < 0) create(t, rows, whole);
    bool same = rows.ints.size() == t.n_ints && rows.reals.size() == t.names.size() - t.n_ints;
    for (std::size_t k = 0; same && k < rows.ints.size(); ++k)
      same = rows.ints[k].first == t.names[k];
    for (std::size_t k = 0; same && k < rows.reals.size(); ++k)
      same = rows.reals[k].first == t.names[t.n_ints + k];
    if (!same) throw Failure(where + ": appended rows have other columns than the first ones");
    const std::size_t n = rows.rows();
    for (const auto& [name, values] : rows.ints)
      if (values.size() != n) throw Failure(where + " column '" + name + "' has another length");
    for (const auto& [name, values] : rows.reals)
      if (values.size() != n) throw Failure(where + " column '" + name + "' has another length");

    for (std::size_t at = 0; at < n;) {
      const std::size_t take = std::min<std::size_t>(n - at, kStreamChunkRows - t.fill);
      for (std::size_t k = 0; k < t.names.size(); ++k) {
        unsigned char* to = t.buffers[k].data() + t.fill * storage_size(t.storage[k]);
        if (k < t.n_ints) {
          const std::int32_t* from = rows.ints[k].second.data() + at;
          switch (t.storage[k]) {
            case Storage::i8:
              put_integers<std::int8_t>(from, take, to, t.names[k], t.storage[k]);
              break;
            case Storage::i16:
              put_integers<std::int16_t>(from, take, to, t.names[k], t.storage[k]);
              break;
            default:
              std::memcpy(to, from, take * sizeof(std::int32_t));
              break;
          }
        } else {
          const double* from = rows.reals[k - t.n_ints].second.data() + at;
          if (t.storage[k] == Storage::f32)
            put_floats(from, take, to, t.names[k]);
          else
            std::memcpy(to, from, take * sizeof(double));
        }
      }
      t.fill += take;
      t.rows += take;
      at += take;
      if (t.fill == kStreamChunkRows) hand_out(which);
    }
  }

  // Hands the filled buffers (a full chunk, or the last partial one padded with zeros) to TBB.
  void hand_out(int which) {
    TableOut& t = tables[which];
    if (t.fill == 0) return;
    for (std::size_t k = 0; k < t.names.size(); ++k) {
      auto job = std::make_shared<Job>();
      job->table = which;
      job->column = k;
      job->chunk = t.chunks;
      job->rows_end = t.rows;
      job->element = storage_size(t.storage[k]);
      job->raw = std::move(t.buffers[k]);
      if (!spare_packed.empty()) {
        job->packed = std::move(spare_packed.back());
        spare_packed.pop_back();
      }
      if (t.fill < kStreamChunkRows)
        std::fill(job->raw.begin() + std::ptrdiff_t(t.fill * job->element), job->raw.end(), 0);
      pending_bytes += job->raw.size();
      jobs.push_back(job);
      hand_to_workers(job);
      t.buffers[k] = buffer(kStreamChunkRows * job->element);
    }
    t.fill = 0;
    ++t.chunks;
    write_ready(false);
  }

  // Writes the compressed chunks at the front that are done; with `all` (or too many pending)
  // completes them first.
  void write_ready(bool all) {
    while (!jobs.empty()) {
      Job& job = *jobs.front();
      if (job.state.load(std::memory_order_acquire) != 2) {
        if (!all && pending_bytes <= kMaxPendingBytes) return;
        // Compress what no worker has taken yet (front first), then wait for the front.
        for (const auto& other : jobs) {
          if (job.state.load(std::memory_order_acquire) == 2) break;
          other->run();
        }
        job.complete();
      }
      if (job.failed) throw Failure("compressing a chunk failed (out of memory?)");
      const hid_t d = tables[job.table].datasets[job.column];
      const hsize_t extent = job.rows_end, offset = job.chunk * kStreamChunkRows;
      check_size_limit(job.packed.size);
      check(H5Dset_extent(d, &extent), "H5Dset_extent");
      check(H5Dwrite_chunk(d, H5P_DEFAULT, 0, &offset, job.packed.size, job.packed.data.get()),
            "H5Dwrite_chunk");
      pending_bytes -= job.raw.size();
      spare.push_back(std::move(job.raw));
      spare_packed.push_back(std::move(job.packed));
      jobs.pop_front();
    }
  }
};

namespace {

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

Results read_file(const std::string& path, ReadTables tables) {
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

  if (tables == ReadTables::all) {
    r.panel = read_table(file, "panel");
    r.decisions = read_table(file, "decisions");
  }
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

ResultsWriter::ResultsWriter(const std::string& path) : impl_(std::make_unique<Impl>()) {
  const auto t0 = std::chrono::steady_clock::now();
  H5::Exception::dontPrint();  // errors are reported through our exception, not on stderr
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Impl& w = *impl_;
  w.path = path;
  w.temporary = path + ".tmp-" + std::to_string(::getpid());
  // Create the file ourselves first: errno gives a clearer reason than HDF5 ("No such file or
  // directory", "Permission denied"); HDF5 then truncates it.
  std::FILE* probe = std::fopen(w.temporary.c_str(), "wb");
  if (probe == nullptr)
    throw std::runtime_error("cannot write results file '" + path + "': cannot create '" +
                             w.temporary + "': " + std::strerror(errno));
  std::fclose(probe);
  w.slot = register_temporary(w.temporary);
  w.file = H5Fcreate(w.temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (w.file < 0) w.fail(hdf5_stack_reason("H5Fcreate"));
  w.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

ResultsWriter::~ResultsWriter() {
  if (impl_ && !impl_->done) impl_->abandon();
}

namespace {

// Appends rows to table `which` (0 the panel, 1 the decision log), timed; a failure abandons
// the file (Impl::fail).
template <class Impl>
void timed_append(Impl& w, int which, const model::Table& rows) {
  const auto t0 = std::chrono::steady_clock::now();
  try {
    w.append(which, rows);
  } catch (const H5::Exception& e) {
    w.fail(hdf5_reason(e));
  } catch (const std::exception& e) {
    w.fail(e.what());
  }
  w.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void ResultsWriter::append_panel(const model::Table& rows) { timed_append(*impl_, 0, rows); }

void ResultsWriter::append_decisions(const model::Table& rows) { timed_append(*impl_, 1, rows); }

void ResultsWriter::finish(const Results& results) {
  Impl& w = *impl_;
  const auto t0 = std::chrono::steady_clock::now();
  if (w.done || w.file < 0) throw std::logic_error("ResultsWriter::finish called twice");
  try {
    if (results.panel.rows() > 0 || w.tables[0].group < 0) w.append(0, results.panel, true);
    if (results.decisions.rows() > 0 || w.tables[1].group < 0) w.append(1, results.decisions, true);
    for (int which : {0, 1}) w.hand_out(which);
    w.write_ready(true);
    for (auto& t : w.tables) {
      if (t.group < 0) w.create_group(t);  // no rows, no columns (the panel was not kept)
      for (hid_t d : t.datasets) check(H5Dclose(d), "H5Dclose");
      t.datasets.clear();
      check(H5Gclose(t.group), "H5Gclose");
      t.group = -1;
    }
    w.check_size_limit(0);
    {
      const H5::H5File file(w.file);  // a second reference: the C++ helpers below
      write_meta(file, results);
      write_aggregates(file, results);
      write_arrays(file, results);
    }
    // Flush first: a flush that fails (a full disk) is abandoned cleanly; a failed H5Fclose
    // would leave HDF5 with a half-closed file that crashes its clean-up at exit.
    check(H5Fflush(w.file, H5F_SCOPE_LOCAL), "H5Fflush");
    if (H5Fclose(w.file) < 0) throw Failure(hdf5_stack_reason("H5Fclose"));
    w.file = -1;
  } catch (const H5::Exception& e) {
    w.fail(hdf5_reason(e));
  } catch (const std::exception& e) {
    w.fail(e.what());
  }
  std::error_code ec;
  w.bytes = std::filesystem::file_size(w.temporary, ec);
  if (std::rename(w.temporary.c_str(), w.path.c_str()) != 0)
    w.fail("cannot rename '" + w.temporary + "' to it: " + std::strerror(errno));
  unregister_temporary(w.slot);
  w.slot = -1;
  w.done = true;
  w.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::uint64_t ResultsWriter::bytes_written() const { return impl_->bytes; }
double ResultsWriter::seconds() const { return impl_->seconds; }

void write_results(const std::string& path, const Results& results) {
  ResultsWriter writer(path);
  writer.finish(results);
}

Results read_results(const std::string& path) { return read_results(path, ReadTables::all); }

Results read_results(const std::string& path, ReadTables tables) {
  H5::Exception::dontPrint();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw std::runtime_error(
        "cannot read results file '" + path +
        "': " + (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
  try {
    return read_file(path, tables);
  } catch (const H5::Exception& e) {
    throw std::runtime_error("cannot read results file '" + path + "': " + hdf5_reason(e));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read results file '" + path + "': " + e.what());
  }
}

}  // namespace smesim::sim
