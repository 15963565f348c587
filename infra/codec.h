// The event codec: how an event is laid out in the log's stored bytes.
//
// A record is a fixed frame followed by a cereal portable-binary body:
//   u8  record format (1)
//   u64 position      big-endian  \  assigned by the writer at commit
//   u64 version       big-endian   |
//   i64 recorded_at   big-endian  /  microseconds since the epoch, UTC
//   body: type tag (string), schema version (u32), stream, event id, actor,
//         then the event's fields under its CEREAL_CLASS_VERSION.
// The body is encoded before the commit, by the appending thread; the
// writer only frames it. The stable type tag, never a variant index, says
// which struct the body holds; an older schema version is upcast on decode.
#ifndef SYNERGY_INFRA_CODEC_H_
#define SYNERGY_INFRA_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/event_store.h"

namespace synergy {

inline constexpr std::uint8_t kRecordFormat = 1;
inline constexpr std::size_t kFrameSize = 1 + 8 + 8 + 8;

std::string EncodeBody(std::string_view stream, std::string_view event_id,
                       std::string_view actor, const Event& event);

// Prepends the frame to `body`: the record's stored bytes.
std::string FrameRecord(std::uint64_t position, std::uint64_t version,
                        Timestamp recorded_at, std::string_view body);

// Decodes a record's stored bytes. The hash is left zero. Fails with
// kUnavailable naming what is wrong (truncated bytes, an unknown type tag, a
// schema version newer than this code knows) and never reads past `bytes`.
Result<RecordedEvent> DecodeRecord(std::string_view bytes);

// The same into an existing event, reusing its strings' storage; on failure
// `out` holds no meaningful value.
Status DecodeRecordInto(std::string_view bytes, RecordedEvent& out);

// Reads only the frame's recorded_at.
Result<Timestamp> DecodeRecordedAt(std::string_view bytes);

// An idempotency record's stored bytes, and back.
std::string EncodeIdempotency(const IdempotencyRecord& record);
Result<IdempotencyRecord> DecodeIdempotency(std::string_view bytes);

// `digits` random hex digits from a generator of the calling thread's,
// seeded from the system's random source: ids that must not repeat
// (events', and those the API makes up for a synergy or a measurement),
// not secrets (a token's are NewTokenSecret's). Cheap enough for every
// request: no system call once the thread's generator is seeded.
std::string RandomHex(std::size_t digits);

// A fresh random event id: 32 hex digits.
std::string NewEventId();

}  // namespace synergy

#endif  // SYNERGY_INFRA_CODEC_H_
