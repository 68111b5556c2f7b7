#include "mxconf/io/json_reader.h"

#include <fstream>
#include <sstream>

namespace mxconf::io {

nlohmann::json parse_json_text(const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw JsonError("", what + ": not valid JSON at byte " + std::to_string(e.byte));
  }
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_json_text(ss.str(), path);
}

JsonObject::JsonObject(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {
  if (!j_.is_object())
    throw JsonError(path_, "expected an object, got " + std::string(j_.type_name()));
}

bool JsonObject::has(const std::string& key) const {
  return j_.contains(key);
}

const nlohmann::json& JsonObject::get(const std::string& key) {
  if (!j_.contains(key)) throw JsonError(child(key), "required key is missing");
  read_.insert(key);
  return j_.at(key);
}

std::string JsonObject::string(const std::string& key) {
  const auto& v = get(key);
  if (!v.is_string())
    throw JsonError(child(key), "expected a string, got " + std::string(v.type_name()));
  return v.get<std::string>();
}

std::string JsonObject::string_or(const std::string& key, const std::string& fallback) {
  return has(key) ? string(key) : fallback;
}

int64_t json_integer(const nlohmann::json& v, const std::string& path, int64_t min, int64_t max) {
  if (!v.is_number_integer()) {
    throw JsonError(path, "expected an integer, got " + std::string(v.type_name()));
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) {
    throw JsonError(path, "integer out of range");
  }
  const int64_t x = v.get<int64_t>();
  if (x < min || x > max) {
    throw JsonError(path, std::to_string(x) + " is outside [" + std::to_string(min) + ", " +
                              std::to_string(max) + "]");
  }
  return x;
}

double json_number(const nlohmann::json& v, const std::string& path) {
  if (!v.is_number()) throw JsonError(path, "expected a number, got " + std::string(v.type_name()));
  return v.get<double>();
}

int64_t JsonObject::integer(const std::string& key, int64_t min, int64_t max) {
  return json_integer(get(key), child(key), min, max);
}

int64_t JsonObject::integer_or(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
  return has(key) ? integer(key, min, max) : fallback;
}

bool JsonObject::boolean(const std::string& key) {
  const auto& v = get(key);
  if (!v.is_boolean())
    throw JsonError(child(key), "expected true or false, got " + std::string(v.type_name()));
  return v.get<bool>();
}

bool JsonObject::boolean_or(const std::string& key, bool fallback) {
  return has(key) ? boolean(key) : fallback;
}

double JsonObject::number_or(const std::string& key, double fallback) {
  return has(key) ? json_number(get(key), child(key)) : fallback;
}

std::vector<int64_t> JsonObject::int_array(const std::string& key, int64_t min, int64_t max) {
  const auto& v = get(key);
  if (!v.is_array())
    throw JsonError(child(key), "expected an array, got " + std::string(v.type_name()));
  std::vector<int64_t> out;
  for (size_t i = 0; i < v.size(); ++i) {
    out.push_back(json_integer(v[i], child(key) + "/" + std::to_string(i), min, max));
  }
  return out;
}

JsonObject JsonObject::object(const std::string& key) {
  return JsonObject(get(key), child(key));
}

void JsonObject::finish() const {
  for (const auto& [key, value] : j_.items()) {
    if (!read_.count(key)) throw JsonError(child(key), "unknown key");
  }
}

}  // namespace mxconf::io
