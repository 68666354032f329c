#pragma once

#include <QString>

namespace farmchat {

// The last failure of a Redis link, or the newest over several links (a
// backplane reports one): what went wrong and when (Unix ms; 0: never).
struct LinkError
{
    QString text;
    qint64 atMs = 0;

    // Keeps `other` when it is newer.
    void keepNewest(const LinkError &other)
    {
        if (other.atMs > atMs)
            *this = other;
    }
};

} // namespace farmchat
