#pragma once

#include <QByteArray>

#include <compare>
#include <optional>

namespace farmchat {

// A Redis stream entry id, "<ms>-<seq>": the message id in streams mode and
// the position each node reads from. Compared numerically, as Redis does.
struct StreamId
{
    quint64 ms = 0;
    quint64 seq = 0;

    static std::optional<StreamId> parse(QByteArrayView text);
    static std::optional<StreamId> parse(QStringView text);
    QByteArray toBytes() const;

    friend auto operator<=>(const StreamId &, const StreamId &) = default;
};

} // namespace farmchat
