// Pairs the implementation's enums (formats/) with the oracle's (oracles/). The two share no
// code on purpose, so the pairing is by name, checked, in this one place.
#pragma once

#include "mxconf/formats/block_cast.h"
#include "mxconf/oracles/block_quant.h"
#include "mxconf/oracles/format_model.h"

namespace mxconf::generators {

// Throw std::logic_error when the oracle has no counterpart (a new enum value on one side only).
const oracles::FormatSpec& oracle_format(formats::ElementType t);
oracles::ScalePolicy oracle_policy(formats::ScaleRule r);

}  // namespace mxconf::generators
