#include "infra/codec.h"

#include "infra/big_endian.h"
#include "infra/hash_chain.h"

#include <openssl/rand.h>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>
#include <istream>
#include <limits>
#include <optional>
#include <ostream>
#include <random>
#include <streambuf>

namespace {

// Bounded reads: cereal's own string and vector loaders resize to whatever
// length the bytes claim before reading, so a corrupt length could ask for
// terabytes. Ours refuse a length longer than the bytes left in the record.
class ViewBuf : public std::streambuf {
 public:
  ViewBuf() = default;
  explicit ViewBuf(std::string_view bytes) { Reset(bytes); }
  void Reset(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());
    setg(begin, begin, begin + bytes.size());
  }
  std::size_t remaining() const { return static_cast<std::size_t>(egptr() - gptr()); }
};

// Appends to a std::string, without ostringstream's copies.
class StringSink : public std::streambuf {
 public:
  explicit StringSink(std::string* out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_->append(s, static_cast<std::size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_->push_back(static_cast<char>(c));
    return c;
  }

 private:
  std::string* out_;
};

thread_local const ViewBuf* current_input = nullptr;

// Makes `buf` the bound of the loads on this thread while it lives.
class InputScope {
 public:
  explicit InputScope(const ViewBuf* buf) { current_input = buf; }
  ~InputScope() { current_input = nullptr; }
  InputScope(const InputScope&) = delete;
  InputScope& operator=(const InputScope&) = delete;
};

void CheckLength(std::uint64_t n) {
  if (current_input == nullptr || n > current_input->remaining()) {
    throw cereal::Exception("length runs past the end of the record");
  }
}

}  // namespace

namespace cereal {

template <class Archive>
void CEREAL_SAVE_FUNCTION_NAME(Archive& ar, const std::string& s) {
  ar(make_size_tag(static_cast<size_type>(s.size())));
  ar(binary_data(s.data(), s.size()));
}

template <class Archive>
void CEREAL_LOAD_FUNCTION_NAME(Archive& ar, std::string& s) {
  size_type n = 0;
  ar(make_size_tag(n));
  CheckLength(n);
  s.resize(static_cast<std::size_t>(n));
  ar(binary_data(s.data(), static_cast<std::size_t>(n)));
}

template <class Archive, class T>
void CEREAL_SAVE_FUNCTION_NAME(Archive& ar, const std::vector<T>& v) {
  ar(make_size_tag(static_cast<size_type>(v.size())));
  for (const T& item : v) ar(item);
}

template <class Archive, class T>
void CEREAL_LOAD_FUNCTION_NAME(Archive& ar, std::vector<T>& v) {
  size_type n = 0;
  ar(make_size_tag(n));
  CheckLength(n);  // every element takes at least one byte
  v.resize(static_cast<std::size_t>(n));
  for (T& item : v) ar(item);
}

// A presence byte, 0 or 1, then the value. Any other byte is corruption (and
// loading it into a bool, as cereal's own loader does, is undefined).
template <class Archive, class T>
void CEREAL_SAVE_FUNCTION_NAME(Archive& ar, const std::optional<T>& v) {
  ar(static_cast<std::uint8_t>(v.has_value() ? 1 : 0));
  if (v) ar(*v);
}

template <class Archive, class T>
void CEREAL_LOAD_FUNCTION_NAME(Archive& ar, std::optional<T>& v) {
  std::uint8_t present = 0;
  ar(present);
  if (present > 1) throw Exception("optional presence byte out of range");
  if (present == 0) {
    v.reset();
    return;
  }
  if (!v) v.emplace();
  ar(*v);
}

}  // namespace cereal

namespace synergy {

// Enumerations are stored as their numeric value; values.h fixes them.
template <class Archive, class Enum>
  requires std::is_enum_v<Enum>
void SaveEnum(Archive& ar, Enum v) {
  ar(static_cast<std::uint8_t>(v));
}

template <class Enum, std::uint8_t kCount, class Archive>
Enum LoadEnum(Archive& ar) {
  std::uint8_t raw = 0;
  ar(raw);
  if (raw >= kCount) throw cereal::Exception("enumeration value out of range");
  return static_cast<Enum>(raw);
}

template <class Enum, std::uint8_t kCount, class Archive>
void SerializeEnum(Archive& ar, Enum& v) {
  if constexpr (Archive::is_loading::value) {
    v = LoadEnum<Enum, kCount>(ar);
  } else {
    SaveEnum(ar, v);
  }
}

template <class Archive>
void serialize(Archive& ar, Date& d) { ar(d.days); }

template <class Archive>
void serialize(Archive& ar, Quantities& q) {
  ar(q.savings_eur, q.tonnes_recovered, q.co2e_avoided_t, q.water_m3, q.energy_mwh, q.jobs);
}

template <class Archive>
void serialize(Archive& ar, Participant& p) {
  ar(p.company_id);
  SerializeEnum<ParticipantRole, 3>(ar, p.role);
}

template <class Archive>
void serialize(Archive& ar, StudyAspects& a) {
  ar(a.organisational, a.technical, a.economic, a.logistic, a.legal);
}

// Every event's serialize takes the schema version stored with it; a new
// schema version adds a branch here that upcasts the older shape.
template <class Archive>
void serialize(Archive& ar, ProgrammeLaunched& e, std::uint32_t /*version*/) {
  ar(e.id, e.name, e.region, e.department, e.zone, e.facilitator_org, e.started_on);
}

template <class Archive>
void serialize(Archive& ar, CompanyEnrolled& e, std::uint32_t /*version*/) {
  ar(e.id, e.name, e.siret, e.nace, e.employees);
}

template <class Archive>
void serialize(Archive& ar, CompanyWithdrew& e, std::uint32_t /*version*/) {
  ar(e.company_id, e.occurred_on, e.reason);
}

template <class Archive>
void serialize(Archive& ar, DiagnosticRecorded& e, std::uint32_t /*version*/) {
  // cereal stores a vector's enumerations as their underlying integer.
  ar(e.company_id, e.performed_on, e.resources);
  for (Resource r : e.resources) {
    if (static_cast<unsigned>(r) >= 9) throw cereal::Exception("resource out of range");
  }
}

template <class Archive>
void serialize(Archive& ar, SynergyIdentified& e, std::uint32_t /*version*/) {
  ar(e.id, e.programme, e.title);
  SerializeEnum<SynergyKind, 2>(ar, e.kind);
  SerializeEnum<Resource, 9>(ar, e.resource);
  ar(e.participants, e.ewc_code, e.description, e.occurred_on);
}

template <class Archive>
void serialize(Archive& ar, FeasibilityStudied& e, std::uint32_t /*version*/) {
  ar(e.occurred_on, e.aspects, e.success_factors, e.obstacles, e.levers);
  SerializeEnum<Decision, 2>(ar, e.decision);
  ar(e.estimated);
}

template <class Archive>
void serialize(Archive& ar, SynergyOperational& e, std::uint32_t /*version*/) {
  ar(e.occurred_on, e.note);
}

template <class Archive>
void serialize(Archive& ar, BenefitsMeasured& e, std::uint32_t /*version*/) {
  ar(e.id, e.period_from, e.period_to, e.values);
  SerializeEnum<MeasurementMethod, 4>(ar, e.method);
  ar(e.source, e.verified_by, e.co2e_factor_source);
}

template <class Archive>
void serialize(Archive& ar, MeasurementCorrected& e, std::uint32_t /*version*/) {
  ar(e.measurement_id, e.values, e.reason);
}

template <class Archive>
void serialize(Archive& ar, SynergyAbandoned& e, std::uint32_t /*version*/) {
  ar(e.occurred_on);
  SerializeEnum<ReasonCode, 7>(ar, e.reason_code);
  ar(e.note);
}

}  // namespace synergy

CEREAL_CLASS_VERSION(synergy::ProgrammeLaunched, synergy::ProgrammeLaunched::kSchemaVersion)
CEREAL_CLASS_VERSION(synergy::CompanyEnrolled, synergy::CompanyEnrolled::kSchemaVersion)
CEREAL_CLASS_VERSION(synergy::CompanyWithdrew, synergy::CompanyWithdrew::kSchemaVersion)
CEREAL_CLASS_VERSION(synergy::DiagnosticRecorded, synergy::DiagnosticRecorded::kSchemaVersion)
CEREAL_CLASS_VERSION(synergy::SynergyIdentified, synergy::SynergyIdentified::kSchemaVersion)
CEREAL_CLASS_VERSION(synergy::FeasibilityStudied, synergy::FeasibilityStudied::kSchemaVersion)
CEREAL_CLASS_VERSION(synergy::SynergyOperational, synergy::SynergyOperational::kSchemaVersion)
CEREAL_CLASS_VERSION(synergy::BenefitsMeasured, synergy::BenefitsMeasured::kSchemaVersion)
CEREAL_CLASS_VERSION(synergy::MeasurementCorrected, synergy::MeasurementCorrected::kSchemaVersion)
CEREAL_CLASS_VERSION(synergy::SynergyAbandoned, synergy::SynergyAbandoned::kSchemaVersion)

namespace synergy {

namespace {

using InArchive = cereal::PortableBinaryInputArchive;
using OutArchive = cereal::PortableBinaryOutputArchive;

struct EventCodec {
  std::string_view type;
  std::uint32_t schema_version;
  // Loads into `event`, reusing its storage when it already holds this type.
  void (*load)(InArchive&, Event& event);
};

template <typename E>
constexpr EventCodec CodecOf() {
  return EventCodec{E::kType, E::kSchemaVersion, [](InArchive& ar, Event& event) {
                      if (!std::holds_alternative<E>(event)) event.emplace<E>();
                      ar(std::get<E>(event));
                    }};
}

// The decoders by stable type tag.
constexpr std::array kCodecs = {
    CodecOf<ProgrammeLaunched>(),  CodecOf<CompanyEnrolled>(),
    CodecOf<CompanyWithdrew>(),    CodecOf<DiagnosticRecorded>(),
    CodecOf<SynergyIdentified>(),  CodecOf<FeasibilityStudied>(),
    CodecOf<SynergyOperational>(), CodecOf<BenefitsMeasured>(),
    CodecOf<MeasurementCorrected>(), CodecOf<SynergyAbandoned>(),
};
static_assert(kCodecs.size() == std::variant_size_v<Event>);

Error Corrupt(std::string message) {
  return MakeError(ErrorCode::kUnavailable, "undecodable event: " + std::move(message));
}

}  // namespace

std::string EncodeBody(std::string_view stream, std::string_view event_id,
                       std::string_view actor, const Event& event) {
  std::string out;
  out.reserve(256);
  StringSink sink(&out);
  std::ostream os(&sink);
  {
    OutArchive ar(os);
    std::visit(
        [&](const auto& e) {
          using E = std::decay_t<decltype(e)>;
          ar(std::string(E::kType), E::kSchemaVersion, std::string(stream),
             std::string(event_id), std::string(actor), e);
        },
        event);
  }
  return out;
}

std::string FrameRecord(std::uint64_t position, std::uint64_t version,
                        Timestamp recorded_at, std::string_view body) {
  std::string out;
  out.reserve(kFrameSize + body.size());
  out.push_back(static_cast<char>(kRecordFormat));
  PutBigEndian(out, position);
  PutBigEndian(out, version);
  PutBigEndian(out, static_cast<std::uint64_t>(recorded_at.micros));
  out.append(body);
  return out;
}

Result<Timestamp> DecodeRecordedAt(std::string_view bytes) {
  if (bytes.size() < kFrameSize) return Corrupt("record shorter than its frame");
  if (static_cast<std::uint8_t>(bytes[0]) != kRecordFormat) {
    return Corrupt("unknown record format " + std::to_string(static_cast<std::uint8_t>(bytes[0])));
  }
  return Timestamp{static_cast<std::int64_t>(GetBigEndian(bytes.substr(17, 8)))};
}

Status DecodeRecordInto(std::string_view bytes, RecordedEvent& out) {
  Result<Timestamp> recorded_at = DecodeRecordedAt(bytes);
  if (!recorded_at.ok()) return recorded_at.error();
  out.position = GetBigEndian(bytes.substr(1, 8));
  out.version = GetBigEndian(bytes.substr(9, 8));
  out.recorded_at = *recorded_at;

  // One stream per thread, pointed at each record in turn: constructing an
  // istream (locale and all) per event would cost more than the decoding.
  thread_local ViewBuf buf;
  thread_local std::istream is(&buf);
  buf.Reset(bytes.substr(kFrameSize));
  is.clear();
  InputScope scope(&buf);
  try {
    // A fresh archive per record: cereal reads a class version once per
    // archive, and every record carries its own.
    InArchive ar(is);
    thread_local std::string type;  // reused: tags outgrow the small-string buffer
    std::uint32_t schema_version = 0;
    ar(type, schema_version);
    const EventCodec* codec = nullptr;
    for (const EventCodec& c : kCodecs) {
      if (c.type == type) codec = &c;
    }
    if (codec == nullptr) return Corrupt("unknown event type '" + type + "'");
    if (schema_version > codec->schema_version || schema_version == 0) {
      return Corrupt(type + " schema version " + std::to_string(schema_version) +
                     " is not one this code knows (up to " +
                     std::to_string(codec->schema_version) + ")");
    }
    ar(out.stream, out.event_id, out.actor);
    codec->load(ar, out.event);
  } catch (const std::exception& e) {
    return Corrupt(e.what());
  }
  if (buf.remaining() != 0) return Corrupt("trailing bytes after the event");
  out.occurred_on = BusinessDate(out.event).value_or(out.recorded_at.UtcDate());
  return OkStatus();
}

Result<RecordedEvent> DecodeRecord(std::string_view bytes) {
  RecordedEvent out;
  if (Status s = DecodeRecordInto(bytes, out); !s.ok()) return s.error();
  return out;
}

std::string EncodeIdempotency(const IdempotencyRecord& record) {
  std::string out;
  StringSink sink(&out);
  std::ostream os(&sink);
  {
    OutArchive ar(os);
    const AppendOutcome& o = record.outcome;
    ar(record.request_digest, o.first_position, o.last_position, o.version,
       o.recorded_at.micros, o.reply);
  }
  return out;
}

Result<IdempotencyRecord> DecodeIdempotency(std::string_view bytes) {
  ViewBuf buf(bytes);
  std::istream is(&buf);
  InputScope scope(&buf);
  IdempotencyRecord record;
  try {
    InArchive ar(is);
    AppendOutcome& o = record.outcome;
    ar(record.request_digest, o.first_position, o.last_position, o.version,
       o.recorded_at.micros, o.reply);
  } catch (const std::exception& e) {
    return Corrupt(std::string("idempotency record: ") + e.what());
  }
  return record;
}

std::string RandomHex(std::size_t digits) {
  thread_local std::mt19937_64 rng = [] {
    std::uint64_t seed[2] = {0, 0};
    if (RAND_bytes(reinterpret_cast<unsigned char*>(seed), sizeof seed) != 1) {
      seed[0] = std::random_device{}();
      seed[1] = std::random_device{}();
    }
    std::seed_seq seq{seed[0], seed[1], seed[0] >> 32, seed[1] >> 32};
    return std::mt19937_64(seq);
  }();
  std::string id(digits, '0');
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (i % 16 == 0) v = rng();
    id[i] = kHexDigits[v & 0xf];
    v >>= 4;
  }
  return id;
}

std::string NewEventId() { return RandomHex(32); }

}  // namespace synergy
