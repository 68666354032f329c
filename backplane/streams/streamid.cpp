#include "backplane/streams/streamid_p.h"

#include <QString>

namespace farmchat {

namespace {

std::optional<quint64> parseNumber(QByteArrayView digits)
{
    if (digits.isEmpty() || digits.size() > 20)
        return std::nullopt;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
    }
    bool ok = false;
    const quint64 value = digits.toULongLong(&ok);
    return ok ? std::optional<quint64>(value) : std::nullopt;
}

} // namespace

std::optional<StreamId> StreamId::parse(QByteArrayView text)
{
    const qsizetype dash = text.indexOf('-');
    if (dash < 0)
        return std::nullopt;
    const auto ms = parseNumber(text.first(dash));
    const auto seq = parseNumber(text.sliced(dash + 1));
    if (!ms || !seq)
        return std::nullopt;
    return StreamId {*ms, *seq};
}

std::optional<StreamId> StreamId::parse(QStringView text)
{
    if (text.size() > 41)
        return std::nullopt;
    return parse(QByteArrayView(text.toLatin1()));
}

QByteArray StreamId::toBytes() const
{
    return QByteArray::number(ms) + '-' + QByteArray::number(seq);
}

} // namespace farmchat
