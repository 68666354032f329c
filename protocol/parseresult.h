#pragma once

#include "core/result.h"

namespace farmchat {

// Parsers of untrusted input return the project's one error style; the name
// stays for the code that says "parse".
template<typename T> using ParseResult = Result<T>;

} // namespace farmchat
