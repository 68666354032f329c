#include "redis/clusterslotmap.h"

#include <algorithm>

namespace farmchat {

namespace {

constexpr int kLastSlot = 16383;

Result<int> parseSlot(const RedisValue &value, const QString &what)
{
    const auto number = value.expectInteger(qPrintable(what));
    if (!number)
        return Result<int>::failure(number.error());
    if (number.value() < 0 || number.value() > kLastSlot)
        return Result<int>::failure(
            QStringLiteral("%1: slot %2 is outside 0..16383").arg(what).arg(number.value()));
    return int(number.value());
}

// [host, port, id?, metadata?]: Redis 7 appends a map (an array in RESP2)
// of extra endpoints that the router does not use.
Result<ClusterNode> parseNode(const RedisValue &value, const QString &what)
{
    using R = Result<ClusterNode>;
    const auto fields = value.expectArray(qPrintable(what), 2);
    if (!fields)
        return R::failure(fields.error());
    const auto host = fields->at(0).expectString(qPrintable(what + QStringLiteral(" host")));
    if (!host)
        return R::failure(host.error());
    if (host->isEmpty() || host.value() == "?")
        return R::failure(QStringLiteral("%1: the node has no known address").arg(what));
    const auto port = fields->at(1).expectInteger(qPrintable(what + QStringLiteral(" port")));
    if (!port)
        return R::failure(port.error());
    if (port.value() <= 0 || port.value() > 65535)
        return R::failure(
            QStringLiteral("%1: port %2 is not a TCP port").arg(what).arg(port.value()));
    ClusterNode node {QString::fromUtf8(host.value()), quint16(port.value()), {}};
    if (fields->size() > 2) {
        const auto id = fields->at(2).expectString(qPrintable(what + QStringLiteral(" id")));
        if (!id)
            return R::failure(id.error());
        node.id = id.value();
    }
    return node;
}

Result<ClusterSlotRange> parseRange(const RedisValue &value, qsizetype index)
{
    using R = Result<ClusterSlotRange>;
    const QString what = QStringLiteral("CLUSTER SLOTS range %1").arg(index);
    const auto fields = value.expectArray(qPrintable(what), 3);
    if (!fields)
        return R::failure(fields.error());
    const auto first = parseSlot(fields->at(0), what + QStringLiteral(" start"));
    if (!first)
        return R::failure(first.error());
    const auto last = parseSlot(fields->at(1), what + QStringLiteral(" end"));
    if (!last)
        return R::failure(last.error());
    if (last.value() < first.value())
        return R::failure(QStringLiteral("%1: ends at slot %2 before it starts at %3")
                              .arg(what)
                              .arg(last.value())
                              .arg(first.value()));
    ClusterSlotRange range {first.value(), last.value(), {}, {}};
    for (qsizetype i = 2; i < fields->size(); ++i) {
        const QString nodeWhat = i == 2 ? what + QStringLiteral(" primary")
                                        : what + QStringLiteral(" replica %1").arg(i - 2);
        const auto node = parseNode(fields->at(i), nodeWhat);
        if (!node)
            return R::failure(node.error());
        if (i == 2)
            range.primary = node.value();
        else
            range.replicas << node.value();
    }
    return range;
}

} // namespace

QString ClusterNode::endpoint() const
{
    return host + u':' + QString::number(port);
}

Result<ClusterSlotMap> ClusterSlotMap::fromClusterSlots(const RedisValue &reply)
{
    using R = Result<ClusterSlotMap>;
    const auto ranges = reply.expectArray("CLUSTER SLOTS reply");
    if (!ranges)
        return R::failure(ranges.error());
    ClusterSlotMap map;
    for (qsizetype i = 0; i < ranges->size(); ++i) {
        const auto range = parseRange(ranges->at(i), i);
        if (!range)
            return R::failure(range.error());
        map.m_ranges << range.value();
    }
    std::sort(map.m_ranges.begin(), map.m_ranges.end(),
        [](const ClusterSlotRange &a, const ClusterSlotRange &b) { return a.first < b.first; });
    for (qsizetype i = 1; i < map.m_ranges.size(); ++i) {
        const ClusterSlotRange &before = map.m_ranges[i - 1];
        const ClusterSlotRange &after = map.m_ranges[i];
        if (after.first <= before.last)
            return R::failure(
                QStringLiteral("CLUSTER SLOTS reply: slots %1-%2 (%3) overlap slots %4-%5 (%6)")
                    .arg(before.first)
                    .arg(before.last)
                    .arg(before.primary.endpoint())
                    .arg(after.first)
                    .arg(after.last)
                    .arg(after.primary.endpoint()));
    }
    return map;
}

std::optional<ClusterNode> ClusterSlotMap::primaryFor(int slot) const
{
    // The last range starting at or before `slot`, if it reaches that far.
    const auto after = std::upper_bound(m_ranges.cbegin(), m_ranges.cend(), slot,
        [](int s, const ClusterSlotRange &range) { return s < range.first; });
    if (after == m_ranges.cbegin())
        return std::nullopt;
    const ClusterSlotRange &range = *(after - 1);
    if (slot > range.last)
        return std::nullopt;
    return range.primary;
}

bool ClusterSlotMap::hasPrimary(const QString &endpoint) const
{
    return std::any_of(
        m_ranges.cbegin(), m_ranges.cend(), [&endpoint](const ClusterSlotRange &range) {
            return range.primary.endpoint() == endpoint;
        });
}

QList<ClusterNode> ClusterSlotMap::primaries() const
{
    QList<ClusterNode> result;
    for (const ClusterSlotRange &range : m_ranges) {
        if (!result.contains(range.primary))
            result << range.primary;
    }
    return result;
}

int ClusterSlotMap::coveredSlots() const
{
    int count = 0;
    for (const ClusterSlotRange &range : m_ranges)
        count += range.last - range.first + 1;
    return count;
}

QString ClusterRedirect::endpoint() const
{
    return host + u':' + QString::number(port);
}

bool ClusterRedirect::isRedirect(const RedisValue &reply)
{
    return reply.isError() && !reply.isLinkError()
        && (reply.bytes().startsWith("MOVED ") || reply.bytes().startsWith("ASK "));
}

Result<ClusterRedirect> ClusterRedirect::parse(const QByteArray &errorText)
{
    using R = Result<ClusterRedirect>;
    const QList<QByteArray> words = errorText.split(' ');
    const QString quoted = u'\'' + QString::fromUtf8(errorText.left(80)) + u'\'';
    if (words.size() != 3 || (words[0] != "MOVED" && words[0] != "ASK"))
        return R::failure(
            QStringLiteral("%1 is not a redirect: expected 'MOVED|ASK <slot> <host>:<port>'")
                .arg(quoted));
    ClusterRedirect redirect;
    redirect.kind = words[0] == "MOVED" ? Kind::Moved : Kind::Ask;
    bool ok = false;
    redirect.slot = words[1].toInt(&ok);
    if (!ok || redirect.slot < 0 || redirect.slot > kLastSlot)
        return R::failure(QStringLiteral("redirect %1: bad slot").arg(quoted));
    // The port follows the last ':' so that an IPv6 host keeps its colons.
    const qsizetype colon = words[2].lastIndexOf(':');
    const uint port = colon < 0 ? 0 : words[2].mid(colon + 1).toUInt(&ok);
    if (colon < 0 || !ok || port == 0 || port > 65535)
        return R::failure(
            QStringLiteral("redirect %1: bad address, expected <host>:<port>").arg(quoted));
    redirect.host = QString::fromUtf8(words[2].left(colon));
    redirect.port = quint16(port);
    return redirect;
}

} // namespace farmchat
