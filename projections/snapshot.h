// The bytes of a projection's checkpoint: fixed-width little-endian
// integers, IEEE doubles, length-prefixed strings. The reader never reads
// past its input: a short or corrupt snapshot makes it fail, and every later
// read returns zeros, so a loader checks ok() once at the end.
#ifndef SYNERGY_PROJECTIONS_SNAPSHOT_H_
#define SYNERGY_PROJECTIONS_SNAPSHOT_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

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

}  // namespace synergy

#endif  // SYNERGY_PROJECTIONS_SNAPSHOT_H_
