// Strict JSON object reading with JSON-pointer paths in every error: unknown keys, wrong types
// and impossible values are rejected as "<path>: <what is wrong>".
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace mxconf::io {

class JsonError : public std::runtime_error {
 public:
  JsonError(std::string path, const std::string& what, std::string code = "invalid_json")
      : std::runtime_error((path.empty() ? std::string("/") : path) + ": " + what),
        path_(std::move(path)),
        message_(what),
        code_(std::move(code)) {}
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }  // without the path
  // A typed code for callers that branch on the kind of problem (e.g. "k_not_multiple_of_32").
  const std::string& code() const { return code_; }

 private:
  std::string path_;
  std::string message_;
  std::string code_;
};

// Parses text, turning syntax errors into JsonError with the byte offset.
nlohmann::json parse_json_text(const std::string& text, const std::string& what);
// Reads and parses a JSON file; throws std::runtime_error if it cannot be read.
nlohmann::json read_json_file(const std::string& path);

class JsonObject {
 public:
  // Throws unless j is an object.
  JsonObject(const nlohmann::json& j, std::string path);

  const std::string& path() const { return path_; }
  std::string child(const std::string& key) const { return path_ + "/" + key; }
  bool has(const std::string& key) const;
  const nlohmann::json& get(const std::string& key);  // required; marks the key as read

  std::string string(const std::string& key);
  std::string string_or(const std::string& key, const std::string& fallback);
  int64_t integer(const std::string& key, int64_t min, int64_t max);
  int64_t integer_or(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  bool boolean(const std::string& key);
  bool boolean_or(const std::string& key, bool fallback);
  double number_or(const std::string& key, double fallback);
  std::vector<int64_t> int_array(const std::string& key, int64_t min, int64_t max);
  JsonObject object(const std::string& key);
  // Throws for any key that was never read: unknown keys are errors, not silently ignored.
  void finish() const;

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::set<std::string> read_;
};

// Helpers for values that are not object members.
int64_t json_integer(const nlohmann::json& v, const std::string& path, int64_t min, int64_t max);
double json_number(const nlohmann::json& v, const std::string& path);

}  // namespace mxconf::io
