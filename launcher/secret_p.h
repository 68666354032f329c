#pragma once

#include <QByteArray>

namespace farmchat {

// A random secret (Redis password, admin token) from the OS's CSPRNG:
// `length` characters of [A-Za-z0-9], so it needs no quoting anywhere.
// 40 characters carry about 238 bits.
QByteArray generateSecret(int length = 40);

} // namespace farmchat
