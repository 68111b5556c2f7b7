#include "mxconf/runner/quantize_file.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <optional>
#include <set>
#include <span>
#include <thread>
#include <vector>

#include "mxconf/faults/faults.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/io/npy.h"

namespace mxconf::runner {

QuantizeSummary quantize_file(const QuantizeRequest& o) {
  std::set<std::filesystem::path> paths{std::filesystem::weakly_canonical(o.input)};
  for (const std::string* p : {&o.dequant, &o.codes, &o.scales}) {
    if (!p->empty() && !paths.insert(std::filesystem::weakly_canonical(*p)).second) {
      throw QuantizeInputError("output path " + *p + " repeats the input or another output");
    }
  }
  if (o.dequant.empty()) throw QuantizeInputError("no output path for the dequantized values");

  // The input is mapped and used in place; the outputs are produced and written in chunks through
  // small reusable buffers, so no whole-array buffer exists. (The input's pages are not given back
  // chunk by chunk: input + outputs is the resident-set budget, and each madvise costs more here
  // than the pages it would save; docs/performance.md.)
  const io::NpyFile in = io::NpyFile::open(o.input);
  if (in.dtype() != io::NpyDtype::f4) {
    throw QuantizeInputError(o.input + ": dtype is " + io::descr(in.dtype()) +
                             ", quantize needs float32 <f4");
  }
  if (in.shape().empty()) throw QuantizeInputError(o.input + ": rank 0; quantize needs rank >= 1");
  const int64_t last = in.shape().back();
  if (last <= 0 || last % 32 != 0) {
    throw QuantizeInputError(o.input + ": last dimension " + std::to_string(last) +
                             " is not a positive multiple of 32 (the MX block size)");
  }
  const std::span<const float> values = in.values<float>();
  std::vector<int64_t> scale_shape = in.shape();
  scale_shape.back() /= 32;

  io::AtomicOutputs out;
  // Each output: its header, then the data written at its offset by whichever thread made it.
  struct Output {
    io::AtomicOutputs::Stream file;
    uint64_t data_offset;
  };
  auto open_npy = [&](const std::string& path, const std::vector<int64_t>& shape,
                      io::NpyDtype dtype) {
    const std::string header = io::npy_header(dtype, shape);
    io::AtomicOutputs::Stream s = out.open(path);
    s.write(io::bytes_of(header));
    return Output{s, header.size()};
  };
  const Output dequant_file = open_npy(o.dequant, in.shape(), io::NpyDtype::f4);
  std::optional<Output> codes_file, scales_file;
  if (!o.codes.empty()) codes_file = open_npy(o.codes, in.shape(), io::NpyDtype::u1);
  if (!o.scales.empty()) scales_file = open_npy(o.scales, scale_shape, io::NpyDtype::u1);

  // Elements [begin, end) in chunks of 256 Ki: the chunk's buffers (1 MiB + 256 KiB + 8 KiB) are
  // about the L2 cache, no buffer the size of the array exists, and there are few enough writes
  // (measured: 56 ms against 68 ms with 64 Ki chunks for 16 M elements; docs/performance.md).
  constexpr size_t kChunk = kQuantizeChunk;
  auto quantize_range = [&](size_t begin, size_t end) {
    std::vector<uint8_t> codes(std::min(kChunk, end - begin));
    std::vector<uint8_t> scales(codes.size() / 32);
    std::vector<float> dequant(codes.size());
    for (size_t at = begin; at < end; at += kChunk) {
      const size_t n = std::min(kChunk, end - at);
      // The fault: a partial chunk after the first is never written.
      if (MXCONF_FAULT(quantize_last_chunk_dropped) && n < kChunk && at > 0) continue;
      const std::span<uint8_t> c(codes.data(), n), sc(scales.data(), n / 32);
      const std::span<float> d(dequant.data(), n);
      formats::cast_to_block_scaled(o.dtype, o.rule, values.subspan(at, n), c, sc);
      formats::dequantize_blocks(o.dtype, c, sc, d);
      dequant_file.file.write_at(dequant_file.data_offset + at * 4, io::bytes_of(d));
      if (codes_file) codes_file->file.write_at(codes_file->data_offset + at, io::bytes_of(c));
      if (scales_file)
        scales_file->file.write_at(scales_file->data_offset + at / 32, io::bytes_of(sc));
    }
  };
  // One contiguous range per core, split on chunk boundaries: every block is cast by exactly one
  // thread with the same code, so the files do not depend on the thread count.
  const size_t chunks = (values.size() + kChunk - 1) / kChunk;
  const size_t threads = std::max<size_t>(
      1, std::min<size_t>(std::thread::hardware_concurrency(), std::min<size_t>(chunks, 8)));
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::jthread> pool;  // joined on every way out, a failed thread start included
  for (size_t t = 1; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        quantize_range(std::min(values.size(), chunks * t / threads * kChunk),
                       std::min(values.size(), chunks * (t + 1) / threads * kChunk));
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  try {
    quantize_range(0, std::min(values.size(), chunks / threads * kChunk));
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (std::jthread& th : pool) th.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  out.commit();
  return {values.size(), values.size() / 32};
}

}  // namespace mxconf::runner
