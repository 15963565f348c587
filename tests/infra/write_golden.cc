// Writes tests/golden/<Type>.v<schema>.bin for every event type at its
// current schema version. Run it once when a schema version is added, never
// to overwrite an existing file: shipped bytes must decode forever.
//   write_golden DIR
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "infra/codec.h"
#include "tests/infra/sample_events.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  using namespace synergy;
  using namespace synergy::testing;
  for (const Event& event : SampleEvents()) {
    std::string name = std::string(EventType(event)) + ".v" +
                       std::to_string(std::visit([](const auto& e) {
                         return std::decay_t<decltype(e)>::kSchemaVersion;
                       }, event)) + ".bin";
    std::filesystem::path path = std::filesystem::path(argv[1]) / name;
    if (std::filesystem::exists(path)) {
      std::printf("kept %s\n", path.c_str());
      continue;
    }
    std::string body = EncodeBody(kGoldenStream, kGoldenEventId, kGoldenActor, event);
    std::string record =
        FrameRecord(kGoldenPosition, kGoldenVersion, Timestamp{kGoldenRecordedAt}, body);
    std::ofstream(path, std::ios::binary).write(record.data(), static_cast<std::streamsize>(record.size()));
    std::printf("wrote %s\n", path.c_str());
  }
  return 0;
}
