#include "api/importer.h"

#include <algorithm>
#include <fstream>
#include <future>
#include <string>

#include <nlohmann/json.hpp>

#include "api/service.h"
#include "infra/hash_chain.h"

namespace synergy::api {
namespace {

using nlohmann::json;

struct Line {
  std::filesystem::path file;
  std::size_t number = 0;
  std::string text;
};

Result<std::vector<std::filesystem::path>> FilesOf(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    if (!std::filesystem::is_regular_file(path, ec)) {
      return MakeError(ErrorCode::kNotFound, path.string() + ": no such file or folder");
    }
    return std::vector<std::filesystem::path>{path};
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  if (ec) return MakeError(ErrorCode::kUnavailable, path.string() + ": " + ec.message());
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  if (files.empty()) return MakeError(ErrorCode::kNotFound, path.string() + ": no .jsonl file in it");
  return files;
}

Error AtLine(const Line& line, const std::string& message) {
  return MakeError(ErrorCode::kValidation,
                   line.file.filename().string() + ":" + std::to_string(line.number) + ": " + message);
}

}  // namespace

Result<ImportSummary> Import(LogStore& store, const std::filesystem::path& path,
                             const std::function<void(std::size_t, std::size_t)>& progress,
                             CheckpointStore* checkpoints) {
  Result<std::vector<std::filesystem::path>> files = FilesOf(path);
  if (!files.ok()) return files.error();
  std::vector<Line> lines;
  for (const std::filesystem::path& file : *files) {
    std::ifstream in(file);
    if (!in) return MakeError(ErrorCode::kNotFound, file.string() + ": cannot be read");
    std::string text;
    for (std::size_t n = 1; std::getline(in, text); ++n) {
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      lines.push_back(Line{file, n, std::move(text)});
    }
  }

  // The one token the import speaks with: an admin named "import", held in
  // memory only, so the import leaves no token behind.
  const std::string secret = NewTokenSecret();
  MemoryTokenStore tokens;
  if (Status s = tokens.Create(Sha256(secret), TokenRecord{"import", "admin", {}}); !s.ok()) {
    return s.error();
  }
  Service service(store, tokens, [](std::function<void()> task) { task(); }, SystemNow, checkpoints);
  if (Status s = service.Start(); !s.ok()) return s.error();
  service.WaitUntilReady();

  ImportSummary summary;
  summary.files = files->size();
  for (const Line& line : lines) {
    json command = json::parse(line.text, nullptr, false);
    if (!command.is_object() || !command.contains("method") || !command["method"].is_string() ||
        !command.contains("path") || !command["path"].is_string() || !command.contains("body")) {
      return AtLine(line, "not an object {\"method\", \"path\", \"body\"}");
    }
    HttpRequest request;
    request.method = command["method"].get<std::string>();
    request.target = command["path"].get<std::string>();
    request.body = command["body"].dump();
    request.headers = {{"authorization", "Bearer " + secret},
                       {"content-type", "application/json"},
                       {"idempotency-key", "import:" + line.file.filename().string() + ":" +
                                               std::to_string(line.number)}};
    std::promise<HttpResponse> answered;
    std::future<HttpResponse> answer = answered.get_future();
    service.Handle(std::move(request), [&answered](HttpResponse r) { answered.set_value(std::move(r)); });
    HttpResponse response = answer.get();
    if (response.status >= 300) {
      return AtLine(line, command["method"].get<std::string>() + " " + command["path"].get<std::string>() + " answered " +
                              std::to_string(response.status) + " " + response.Body());
    }
    ++summary.commands;
    if (progress) progress(summary.commands, lines.size());
  }
  return summary;
}

}  // namespace synergy::api
