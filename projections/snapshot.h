// The bytes of a projection's checkpoint: fixed-width little-endian
// integers, IEEE doubles, length-prefixed strings. The reader never reads
// past its input: a short or corrupt snapshot makes it fail, and every later
// read returns zeros, so a loader checks ok() once at the end.
#ifndef SYNERGY_PROJECTIONS_SNAPSHOT_H_
#define SYNERGY_PROJECTIONS_SNAPSHOT_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace synergy {

class SnapshotWriter {
 public:
  void U64(std::uint64_t v) { Raw(&v, sizeof v); }
  void I64(std::int64_t v) { Raw(&v, sizeof v); }
  void U32(std::uint32_t v) { Raw(&v, sizeof v); }
  void I32(std::int32_t v) { Raw(&v, sizeof v); }
  void U8(std::uint8_t v) { Raw(&v, sizeof v); }
  void F64(double v) { Raw(&v, sizeof v); }
  void Str(std::string_view s) {
    U64(s.size());
    bytes_.append(s);
  }
  const std::string& bytes() const { return bytes_; }
  std::string Take() { return std::move(bytes_); }

 private:
  static_assert(std::endian::native == std::endian::little, "snapshots are little-endian");
  void Raw(const void* p, std::size_t n) { bytes_.append(static_cast<const char*>(p), n); }
  std::string bytes_;
};

class SnapshotReader {
 public:
  explicit SnapshotReader(std::string_view bytes) : rest_(bytes) {}

  std::uint64_t U64() { return Fixed<std::uint64_t>(); }
  std::int64_t I64() { return Fixed<std::int64_t>(); }
  std::uint32_t U32() { return Fixed<std::uint32_t>(); }
  std::int32_t I32() { return Fixed<std::int32_t>(); }
  std::uint8_t U8() { return Fixed<std::uint8_t>(); }
  double F64() { return Fixed<double>(); }
  std::string Str() {
    std::uint64_t n = U64();
    if (n > rest_.size()) return Fail(), std::string();
    std::string s(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return s;
  }
  // A count of items that each take at least `min_item_bytes`: fails rather
  // than let a corrupt count reserve more than the input could hold.
  std::uint64_t Count(std::size_t min_item_bytes) {
    std::uint64_t n = U64();
    if (min_item_bytes == 0 || n > rest_.size() / min_item_bytes) return Fail(), 0;
    return n;
  }
  void Fail() {
    ok_ = false;
    rest_ = {};
  }
  bool ok() const { return ok_; }
  bool at_end() const { return rest_.empty(); }

 private:
  template <typename T>
  T Fixed() {
    T v{};
    if (rest_.size() < sizeof v) return Fail(), v;
    std::memcpy(&v, rest_.data(), sizeof v);
    rest_.remove_prefix(sizeof v);
    return v;
  }
  std::string_view rest_;
  bool ok_ = true;
};

// Archives over a snapshot, so that one field list per type serves both
// ways: `ar(a, b, c)` saves or loads each in turn. A type joins by a free
// function `void Fields(Archive&, T&)` found by argument-dependent lookup;
// an enumeration by `std::uint8_t EnumCount(E)` (its number of values,
// checked on load).
class SaveArchive {
 public:
  explicit SaveArchive(SnapshotWriter& out) : out_(out) {}
  template <typename... T>
  void operator()(const T&... values) {
    (Put(values), ...);
  }

 private:
  void Put(std::uint64_t v) { out_.U64(v); }
  void Put(std::int64_t v) { out_.I64(v); }
  void Put(std::uint32_t v) { out_.U32(v); }
  void Put(std::int32_t v) { out_.I32(v); }
  void Put(bool v) { out_.U8(v ? 1 : 0); }
  void Put(double v) { out_.F64(v); }
  void Put(const std::string& v) { out_.Str(v); }
  template <typename E>
    requires std::is_enum_v<E>
  void Put(E v) {
    out_.U8(static_cast<std::uint8_t>(v));
  }
  template <typename T>
  void Put(const std::optional<T>& v) {
    PutPresent(v ? &*v : nullptr);
  }
  // A shared immutable part: as an optional (a null pointer is absent).
  template <typename T>
  void Put(const std::shared_ptr<const T>& v) {
    PutPresent(v.get());
  }
  // A presence byte, then the value if there is one.
  template <typename T>
  void PutPresent(const T* v) {
    out_.U8(v ? 1 : 0);
    if (v) Put(*v);
  }
  template <typename T>
  void Put(const std::vector<T>& v) {
    out_.U64(v.size());
    for (const T& item : v) Put(item);
  }
  template <typename K, typename V, typename C>
  void Put(const std::map<K, V, C>& m) {
    out_.U64(m.size());
    for (const auto& [k, v] : m) {
      Put(k);
      Put(v);
    }
  }
  template <typename T>
    requires std::is_class_v<T>
  void Put(const T& v) {
    Fields(*this, const_cast<T&>(v));  // saving reads the fields only
  }

  SnapshotWriter& out_;
};

class LoadArchive {
 public:
  explicit LoadArchive(SnapshotReader& in) : in_(in) {}
  template <typename... T>
  void operator()(T&... values) {
    (Get(values), ...);
  }

 private:
  void Get(std::uint64_t& v) { v = in_.U64(); }
  void Get(std::int64_t& v) { v = in_.I64(); }
  void Get(std::uint32_t& v) { v = in_.U32(); }
  void Get(std::int32_t& v) { v = in_.I32(); }
  void Get(bool& v) {
    std::uint8_t raw = in_.U8();
    if (raw > 1) in_.Fail();
    v = raw == 1;
  }
  void Get(double& v) { v = in_.F64(); }
  void Get(std::string& v) { v = in_.Str(); }
  template <typename E>
    requires std::is_enum_v<E>
  void Get(E& v) {
    std::uint8_t raw = in_.U8();
    if (raw >= EnumCount(E{})) in_.Fail();
    v = in_.ok() ? static_cast<E>(raw) : E{};
  }
  template <typename T>
  void Get(std::optional<T>& v) {
    if (!Present()) return v.reset();
    Get(v.emplace());
  }
  template <typename T>
  void Get(std::shared_ptr<const T>& v) {
    if (!Present()) return v.reset();
    auto loaded = std::make_shared<T>();
    Get(*loaded);
    v = std::move(loaded);
  }
  // The presence byte written by SaveArchive::PutPresent.
  bool Present() {
    bool present = false;
    Get(present);
    return present;
  }
  template <typename T>
  void Get(std::vector<T>& v) {
    v.resize(in_.Count(1));
    for (T& item : v) Get(item);
  }
  template <typename K, typename V, typename C>
  void Get(std::map<K, V, C>& m) {
    m.clear();
    for (std::uint64_t n = in_.Count(1); n > 0 && in_.ok(); --n) {
      K k{};
      V v{};
      Get(k);
      Get(v);
      m.emplace(std::move(k), std::move(v));
    }
  }
  template <typename T>
    requires std::is_class_v<T>
  void Get(T& v) {
    Fields(*this, v);
  }

  SnapshotReader& in_;
};

}  // namespace synergy

#endif  // SYNERGY_PROJECTIONS_SNAPSHOT_H_
