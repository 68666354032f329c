#pragma once

#include <QFont>
#include <QHash>
#include <QStyledItemDelegate>

#include <functional>

class QAbstractItemView;

namespace farmchat {

class FarmWorkspace;

// Paints one chat message in a pane's QListView (no widget per message):
// an origin-node badge in that node's colour, the sender, a marker for how it
// arrived (⇄ pubsub / ⇄ streams over the backplane, ↺ caught up from
// History), ⚠ for a delivery warning, the time, and the text, word-wrapped
// and always plain text. Row heights are cached per row and view width so
// thousands of rows lay out cheaply.
class MessageDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    // `nodeIndex` maps an origin node id to its colour index (-1: unknown).
    using NodeIndex = std::function<int(const QString &nodeId)>;

    MessageDelegate(QAbstractItemView *view, NodeIndex nodeIndex, QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
        const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // Short badge text for a node id: "node-9090" -> "9090".
    static QString badgeText(const QString &nodeId);
    // How the message of `index` arrived, as painted: "⇄ streams", "↺ history"…;
    // empty for the pane's own message and for one from its own node.
    static QString markerText(const QModelIndex &index);

private:
    struct Metrics;
    Metrics metrics(const QStyleOptionViewItem &option) const;
    void paintMarkers(QPainter *painter, const Metrics &m, const QStyleOptionViewItem &option,
        const QModelIndex &index, const QRect &line, int x) const;
    int textWidth() const;

    QAbstractItemView *m_view;
    NodeIndex m_nodeIndex;
    mutable QHash<quint64, int> m_heights; // row serial -> height at m_cachedWidth
    mutable int m_cachedWidth = -1;
    mutable QFont m_cachedFont;
};

} // namespace farmchat
