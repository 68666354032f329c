#include "fuzz/fuzzinput.h"

#include <cstdio>
#include <cstdlib>

namespace farmchat::fuzz {

void fail(const char *what)
{
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
}

} // namespace farmchat::fuzz
