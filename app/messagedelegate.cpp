#include "app/messagedelegate_p.h"

#include "app/messagelistmodel.h"
#include "app/nodepalette_p.h"
#include "client/chatclient.h"
#include "protocol/chatmessage.h"

#include <QAbstractItemView>
#include <QDateTime>
#include <QPainter>
#include <QPainterPath>
#include <QTextLayout>

#include <cmath>

namespace farmchat {

namespace {

constexpr int kMaxCachedHeights = 20000;

// Words wrap at spaces; a word longer than the line (a URL, a paste) breaks
// anywhere rather than running out of the pane.
QTextOption wrapOption()
{
    QTextOption option(Qt::AlignLeft | Qt::AlignTop);
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    return option;
}

int wrappedHeight(const QString &text, const QFont &font, int width)
{
    QTextLayout layout(text, font);
    layout.setTextOption(wrapOption());
    layout.beginLayout();
    qreal height = 0;
    for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
        line.setLineWidth(width);
        height += line.height();
    }
    layout.endLayout();
    return qMax(QFontMetrics(font).height(), int(std::ceil(height)));
}

QString viaMarker(Via via, bool fromHistory)
{
    QString marker;
    if (via == Via::PubSub)
        marker = QStringLiteral("⇄ pubsub");
    else if (via == Via::Streams)
        marker = QStringLiteral("⇄ streams");
    if (fromHistory)
        marker += marker.isEmpty() ? QStringLiteral("↺ history") : QStringLiteral(" ↺ history");
    return marker;
}

} // namespace

// Every size comes from the font, so the layout scales with DPI and font size.
struct MessageDelegate::Metrics
{
    int pad;
    int lineHeight;
    int badgeWidth;
    QFont bold;
    QFont small;
};

MessageDelegate::MessageDelegate(QAbstractItemView *view, NodeIndex nodeIndex, QObject *parent)
    : QStyledItemDelegate(parent), m_view(view), m_nodeIndex(std::move(nodeIndex))
{ }

QString MessageDelegate::badgeText(const QString &nodeId)
{
    const qsizetype dash = nodeId.lastIndexOf(u'-');
    return dash >= 0 && dash + 1 < nodeId.size() ? nodeId.mid(dash + 1) : nodeId;
}

MessageDelegate::Metrics MessageDelegate::metrics(const QStyleOptionViewItem &option) const
{
    Metrics m;
    const QFontMetrics fm(option.font);
    m.pad = qMax(2, fm.height() / 4);
    m.lineHeight = fm.height();
    m.bold = option.font;
    m.bold.setBold(true);
    m.small = option.font;
    m.small.setPointSizeF(option.font.pointSizeF() > 0 ? option.font.pointSizeF() * 0.85 : 8.0);
    m.badgeWidth = QFontMetrics(m.small).horizontalAdvance(QStringLiteral("00000")) + 2 * m.pad;
    return m;
}

int MessageDelegate::textWidth() const
{
    return qMax(50, m_view->viewport()->width());
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const int width = textWidth();
    // Heights depend on the width and the font (a DPI or font change).
    if (width != m_cachedWidth || option.font != m_cachedFont
        || m_heights.size() > kMaxCachedHeights) {
        m_heights.clear();
        m_cachedWidth = width;
        m_cachedFont = option.font;
    }
    const quint64 serial = index.data(MessageListModel::SerialRole).toULongLong();
    if (const auto it = m_heights.constFind(serial); it != m_heights.cend())
        return {width, *it};
    const Metrics m = metrics(option);
    const int textLeft = m.pad + m.badgeWidth + m.pad + 1;
    const int textHeight = wrappedHeight(index.data(MessageListModel::TextRole).toString(),
        option.font, qMax(20, width - textLeft - m.pad));
    const int height = m.pad + m.lineHeight + textHeight + 2 * m.pad;
    m_heights.insert(serial, height);
    return {width, height};
}

// After the sender: how the message arrived, then its status or warning.
QString MessageDelegate::markerText(const QModelIndex &index)
{
    // A pane's own message came back through its own node: "⇄" would say it crossed.
    const bool own = index.data(MessageListModel::OwnRole).toBool();
    const auto via = Via(index.data(MessageListModel::ViaRole).toInt());
    return viaMarker(own ? Via::Local : via, index.data(MessageListModel::HistoryRole).toBool());
}

void MessageDelegate::paintMarkers(QPainter *painter, const Metrics &m,
    const QStyleOptionViewItem &option, const QModelIndex &index, const QRect &line, int x) const
{
    const QPalette &palette = option.palette;
    const bool dark = nodepalette::isDark(palette);
    const QString warning = index.data(MessageListModel::WarningRole).toString();
    painter->setFont(m.small);
    const QString marker = markerText(index);
    if (!marker.isEmpty()) {
        painter->setPen(marker.startsWith(u'⇄') ? palette.color(QPalette::Link)
                                                : palette.color(QPalette::PlaceholderText));
        painter->drawText(QRect(x, line.top(), line.right() - x, line.height()),
            Qt::AlignLeft | Qt::AlignVCenter, marker);
        x += QFontMetrics(m.small).horizontalAdvance(marker) + m.pad;
    }
    const QString status = index.data(MessageListModel::StatusRole).toString();
    if (!status.isEmpty()) {
        const bool failed = index.data(MessageListModel::FailedRole).toBool();
        painter->setPen(failed ? nodepalette::bad(dark) : nodepalette::warn(dark));
        const QFontMetrics fm(m.small);
        const int width = qMax(0, line.right() - x);
        painter->drawText(QRect(x, line.top(), width, line.height()),
            Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(status, Qt::ElideRight, width));
    } else if (!warning.isEmpty()) {
        painter->setPen(nodepalette::warn(dark));
        painter->drawText(QRect(x, line.top(), qMax(0, line.right() - x), line.height()),
            Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("⚠ may not reach everyone"));
    }
}

void MessageDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const Metrics m = metrics(option);
    const QPalette &palette = option.palette;
    const bool dark = nodepalette::isDark(palette);
    const QRect r = option.rect;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    if (option.state & QStyle::State_Selected)
        painter->fillRect(r, palette.highlight());
    else if (index.data(MessageListModel::OwnRole).toBool())
        painter->fillRect(r, palette.alternateBase());

    const QString node = index.data(MessageListModel::NodeRole).toString();
    const bool fromHistory = index.data(MessageListModel::HistoryRole).toBool();
    const QColor text
        = fromHistory ? palette.color(QPalette::PlaceholderText) : palette.color(QPalette::Text);

    // Origin-node badge.
    const QColor badge = nodepalette::nodeColour(m_nodeIndex ? m_nodeIndex(node) : -1, dark);
    const QRect badgeRect(r.left() + m.pad, r.top() + m.pad, m.badgeWidth, m.lineHeight);
    QPainterPath path;
    path.addRoundedRect(badgeRect, m.pad, m.pad);
    painter->fillPath(path, badge);
    painter->setFont(m.small);
    painter->setPen(nodepalette::textOn(badge));
    painter->drawText(badgeRect, Qt::AlignCenter, badgeText(node));

    // Sender, markers, time on the first line.
    const int left = badgeRect.right() + m.pad + 1;
    QRect line(left, r.top() + m.pad, r.right() - left - m.pad, m.lineHeight);
    const QString time
        = QDateTime::fromMSecsSinceEpoch(index.data(MessageListModel::SentAtRole).toLongLong())
              .toString(QStringLiteral("HH:mm:ss"));
    painter->setPen(palette.color(QPalette::PlaceholderText));
    painter->drawText(line, Qt::AlignRight | Qt::AlignVCenter, time);
    const int timeWidth = QFontMetrics(m.small).horizontalAdvance(time) + m.pad;
    line.setRight(line.right() - timeWidth);

    painter->setFont(m.bold);
    painter->setPen(text);
    const QString from = QFontMetrics(m.bold).elidedText(
        index.data(MessageListModel::FromRole).toString(), Qt::ElideRight, line.width() / 2);
    painter->drawText(line, Qt::AlignLeft | Qt::AlignVCenter, from);
    int x = line.left() + QFontMetrics(m.bold).horizontalAdvance(from) + m.pad;
    // Messages outside the lobby name their room, quieter than the sender.
    const QString room = index.data(MessageListModel::RoomRole).toString();
    if (!room.isEmpty() && room != ChatClient::kLobby) {
        const QString tag = QFontMetrics(m.small).elidedText(
            QStringLiteral("#") + room, Qt::ElideRight, line.width() / 4);
        painter->setFont(m.small);
        painter->setPen(palette.color(QPalette::PlaceholderText));
        painter->drawText(QRectF(x, line.top(), line.right() - x, line.height()),
            Qt::AlignLeft | Qt::AlignVCenter, tag);
        x += QFontMetrics(m.small).horizontalAdvance(tag) + m.pad;
    }

    paintMarkers(painter, m, option, index, line, x);

    // The text: plain, wrapped; QPainter::drawText never interprets markup.
    painter->setFont(option.font);
    painter->setPen(text);
    const QRectF body(left, r.top() + m.pad + m.lineHeight, r.right() - left - m.pad,
        r.bottom() - (r.top() + m.pad + m.lineHeight) - m.pad);
    painter->drawText(body, index.data(MessageListModel::TextRole).toString(), wrapOption());
    painter->restore();
}

} // namespace farmchat
