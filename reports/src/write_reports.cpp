#include <filesystem>
#include <stdexcept>

#include "mxconf/io/atomic_output.h"
#include "mxconf/reports/writers.h"

namespace mxconf::reports {

std::string report_file_name(const std::string& format) {
  if (format == "json") return "report.json";
  if (format == "junit") return "junit.xml";
  if (format == "md") return "summary.md";
  if (format == "html") return "report.html";
  throw std::runtime_error("unknown report format '" + format + "' (json, junit, md, html)");
}

void write_reports(const Report& r, const std::string& dir,
                   const std::vector<std::string>& formats) {
  for (const std::string& f : formats) report_file_name(f);  // validate before writing anything
  std::filesystem::create_directories(dir);
  io::AtomicOutputs out;
  for (const std::string& f : formats) {
    std::string text;
    if (f == "json") text = to_json(r).dump(1) + "\n";
    if (f == "junit") text = write_junit(r);
    if (f == "md") text = write_markdown(r);
    if (f == "html") text = write_html(r);
    out.stage(dir + "/" + report_file_name(f),
              {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  }
  out.commit();
}

}  // namespace mxconf::reports
