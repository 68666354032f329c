#include "app/topologyview.h"
#include "app/topologyview_p.h"

#include "app/farmworkspace.h"
#include "app/messagedelegate_p.h"
#include "app/nodepalette_p.h"
#include "app/panesession.h"
#include "app/sentinelwatch.h"
#include "launcher/farmnode.h"
#include "launcher/haproxyinstance.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace farmchat {

TopologyView::TopologyView(FarmWorkspace &workspace, QWidget *parent)
    : QWidget(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("topology"));
    m_frameTimer.setInterval(kFrameMs);
    m_frameTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_frameTimer, &QTimer::timeout, this, &TopologyView::tick);
    connect(&workspace, &FarmWorkspace::messageSeen, this,
        [this](int origin, int at, Via via, bool fromHistory, const QString &id) {
            if (fromHistory)
                return; // catch-up is not traffic on the links
            m_flow.messageSeen(origin, at, via, id);
            if (!m_frameTimer.isActive()) {
                m_clock.start();
                m_frameTimer.start();
            }
        });
    FarmSupervisor &farm = workspace.supervisor();
    const auto repaint = [this] { update(); };
    connect(&farm, &FarmSupervisor::processChanged, this, repaint);
    connect(&farm, &FarmSupervisor::nodeHealthChanged, this, repaint);
    connect(&farm, &FarmSupervisor::backplaneRequestFinished, this, repaint);
    connect(&farm, &FarmSupervisor::processesCleared, this, [this] {
        m_flow.clear();
        update();
    });
    connect(&farm, &FarmSupervisor::processAdded, this, repaint);
    // A stopped farm is drawn as gone: no broken links, no tokens, no counts.
    connect(&farm, &FarmSupervisor::stopped, this, [this] {
        m_frameTimer.stop();
        m_flow.clear();
        update();
    });
    connect(&farm, &FarmSupervisor::lbServersChanged, this, repaint);
    connect(&farm, &FarmSupervisor::linkFaultChanged, this, repaint);
    connect(&workspace, &FarmWorkspace::panesCleared, this, repaint);
    connect(&workspace.sentinelWatch(), &SentinelWatch::changed, this, repaint);
    // Each client line follows where its pane is connected.
    const auto followPane = [this, repaint](int index) {
        PaneSession *pane = m_workspace.pane(index);
        connect(pane, &PaneSession::nodeChanged, this, repaint);
        connect(pane, &PaneSession::stateChanged, this, repaint);
        update();
    };
    connect(&workspace, &FarmWorkspace::panesCreated, this, [this, followPane] {
        for (int i = 0; i < m_workspace.paneCount(); ++i)
            followPane(i);
    });
    connect(&workspace, &FarmWorkspace::paneAdded, this, followPane);
    // A node left: the nodes after it moved down, and the tokens in flight name old places.
    connect(&farm, &FarmSupervisor::processRemoved, this, [this] {
        m_flow.clear();
        update();
    });
}

QList<int> TopologyView::clientNodes() const
{
    QList<int> nodes;
    if (!m_workspace.supervisor().loadBalancer())
        return nodes;
    for (int i = 0; i < m_workspace.paneCount(); ++i) {
        const PaneSession *pane = m_workspace.pane(i);
        nodes << (pane->state() == HubConnection::State::Connected
                ? m_workspace.nodeIndexOf(pane->nodeId())
                : -1);
    }
    return nodes;
}

QString TopologyView::balancerCaption(int index) const
{
    const HaproxyInstance *lb = m_workspace.supervisor().loadBalancer();
    const FarmNode *node = m_workspace.supervisor().node(index);
    const LbServerStatus *server = lb && node ? lb->server(node->port()) : nullptr;
    if (!server)
        return {};
    const QString sessions
        = server->sessions == 1 ? tr("1 session") : tr("%1 sessions").arg(server->sessions);
    return sessions + QStringLiteral(" · ") + server->status;
}

QString TopologyView::placeholderText() const
{
    const FarmSupervisor &farm = m_workspace.supervisor();
    if (farm.nodeCount() == 0)
        return tr("The farm's nodes and Redis appear here once it is launched.");
    if (farm.state() == FarmState::Stopped)
        return tr("The farm stopped. Launch (Ctrl+L) starts a new one; its nodes and Redis "
                  "appear here.");
    return {};
}

QSize TopologyView::sizeHint() const
{
    const int em = fontMetrics().height();
    return {em * 22, em * 16};
}

QSize TopologyView::minimumSizeHint() const
{
    const int em = fontMetrics().height();
    return {em * 12, em * 9};
}

void TopologyView::tick()
{
    const int elapsed = int(m_clock.restart());
    // Hidden (dock closed): let the tokens finish at once instead of drawing them.
    if (isVisible()) {
        m_flow.advance(elapsed);
    } else {
        m_flow.advance(TopologyFlow::kLegMs); // up legs arrive and hand on
        m_flow.advance(TopologyFlow::kLegMs); // down legs arrive
    }
    if (!m_flow.busy())
        m_frameTimer.stop();
    update();
}

TopologyLayout::Input TopologyView::inputFor(const QRectF &area, int nodes, Shape shape) const
{
    const QFontMetricsF fm(font());
    TopologyLayout::Input in;
    in.em = fm.height();
    in.area = area;
    in.area.setBottom(in.area.bottom() - int(in.em * 1.3)); // the legend's line
    in.nodes = nodes;
    in.hub = QSizeF(in.em * 5.5, in.em * 2.4);
    in.balancer = shape == Shape::Balancer;
    in.sentinels = shape == Shape::Sentinels;
    QFont bold = font();
    bold.setBold(true);
    const QFontMetricsF boldFm(bold);
    // A cluster's label is wider than "Redis", and a line per shard follows
    // in a smaller font: the box grows to hold them.
    if (m_workspace.supervisor().cluster()) {
        const QFontMetricsF smallFm(shardFont());
        double widest = boldFm.horizontalAdvance(tr("Redis Cluster"));
        const QStringList lines = shardLines();
        for (const QString &line : lines)
            widest = qMax(widest, smallFm.horizontalAdvance(line));
        in.hub.setWidth(qMax(in.hub.width(), qMin(widest + in.em, in.em * 16)));
        in.hub.setHeight(in.hub.height() + smallFm.height() * lines.size());
    }
    // The longer of the quorum captions, wrapped at the Sentinel block's width.
    const QRectF wrapped
        = boldFm.boundingRect(QRectF(0, 0, in.em * TopologyLayout::kSentinelsWidth, in.em * 20),
            Qt::AlignHCenter | Qt::TextWordWrap, tr("✕ no Sentinel quorum: no failover possible"));
    in.quorumLines = qMax(1, int(std::ceil(wrapped.height() / boldFm.height() - 0.01)));
    // Room beside each node for the longest of its words, and counts up to 999 at least.
    for (const QString &text :
        {QStringLiteral("stopping"), QStringLiteral("streams"), QStringLiteral("crashed")})
        in.captionWidth = qMax(in.captionWidth, fm.horizontalAdvance(text));
    in.countsWidth = fm.horizontalAdvance(QStringLiteral("↑999 ↓999"));
    return in;
}

TopologyLayout TopologyView::layoutFor(int nodes, const QSizeF &size, Shape shape) const
{
    return TopologyLayout::compute(inputFor(QRectF(QPointF(0, 0), size), nodes, shape));
}

TopologyView::Frame TopologyView::frame() const
{
    Frame f;
    f.pal = palette();
    f.dark = nodepalette::isDark(f.pal);
    f.em = QFontMetricsF(font()).height();
    const int n = m_workspace.supervisor().nodeCount();
    const SentinelWatch &sentinels = m_workspace.sentinelWatch();
    const Shape shape = m_workspace.supervisor().loadBalancer() ? Shape::Balancer
        : sentinels.isActive()                                  ? Shape::Sentinels
                                                                : Shape::Single;
    TopologyLayout::Input in = inputFor(rect(), n, shape);
    f.area = in.area;
    const QFontMetricsF fm(font());
    for (int i = 0; i < n; ++i) {
        in.captionWidth = qMax(in.captionWidth, fm.horizontalAdvance(nodeCaption(i)));
        in.countsWidth = qMax(in.countsWidth, fm.horizontalAdvance(linkCounts(i)));
    }
    // A long caption (a balancer's sessions and state) is elided rather than
    // shrink the nodes to dots.
    in.captionWidth = qMin(in.captionWidth, f.em * 9);
    // Links and tokens go to whichever server is the primary now.
    f.layout = TopologyLayout::compute(in, qMax(0, sentinels.primaryServer()));
    f.redisBox = f.layout.servers.isEmpty()
        ? f.layout.hub
        : f.layout.servers.at(qMax(0, sentinels.primaryServer()));
    f.redisCentre = f.layout.linkEnd(qMax(0, sentinels.primaryServer()));
    return f;
}

void TopologyView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    if (const QString placeholder = placeholderText(); !placeholder.isEmpty()) {
        const double em = QFontMetricsF(font()).height();
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(QRectF(rect()).adjusted(em, 0, -em, 0), Qt::AlignCenter | Qt::TextWordWrap,
            placeholder);
        return;
    }
    const Frame f = frame();
    const bool sentinels = !f.layout.servers.isEmpty();

    paintLinks(p, f);
    if (sentinels)
        paintSentinels(p, f);
    else
        paintRedis(p, f);
    paintLegend(p, f);
    paintBalancer(p, f);
    paintCounts(p, f);
    paintNodes(p, f);
    paintTokens(p, f);
}

// The panes' clients on the far left, HAProxy in front of the nodes, and a
// line from each client through HAProxy to the node it landed on.
void TopologyView::paintBalancer(QPainter &p, const Frame &f) const
{
    const HaproxyInstance *lb = m_workspace.supervisor().loadBalancer();
    const QRectF &front = f.layout.front;
    if (!lb || front.isEmpty())
        return;
    const double em = f.em;
    const bool up = lb->process()->state() == ProcessState::Healthy;
    const QRectF box = f.layout.balancer;
    const QList<int> nodes = clientNodes();
    const int panes = int(nodes.size());
    const double step = front.height() / qMax(1, panes);
    for (int i = 0; i < panes; ++i) {
        const QPointF client(front.left() + em * 1.1, front.top() + step * (i + 0.5));
        const QPointF entry(box.left(), box.center().y() + (i - (panes - 1) / 2.0) * em * 0.4);
        const QPointF exit(box.right(), entry.y());
        const QColor colour = nodes[i] >= 0
            ? nodepalette::nodeColour(m_workspace.colourOf(nodes[i]), f.dark)
            : f.pal.color(QPalette::Mid);
        QPen pen(colour, em / 9, nodes[i] >= 0 ? Qt::SolidLine : Qt::DotLine);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        p.drawLine(client, entry);
        if (nodes[i] >= 0) {
            // A fault on the balancer's link to that node: dashed.
            if (!linkFault(nodes[i], NodeLink::Balancer).isHealthy())
                pen.setStyle(Qt::DashLine);
            p.setPen(pen);
            p.drawLine(exit, f.layout.centres.value(nodes[i]));
        }
        p.setPen(QPen(f.pal.color(QPalette::Text), em / 16));
        p.setBrush(f.pal.color(QPalette::Button));
        p.drawEllipse(client, em * 0.55, em * 0.55);
        p.setFont(font());
        p.setPen(f.pal.color(QPalette::ButtonText));
        p.drawText(QRectF(client - QPointF(em, em / 2), QSizeF(em * 2, em)), Qt::AlignCenter,
            QString::number(i + 1));
    }
    QPainterPath path;
    path.addRoundedRect(box, em / 3, em / 3);
    p.fillPath(path, up ? QColor(0x2E, 0x4A, 0x3E) : f.pal.color(QPalette::Mid));
    p.setPen(QPen(up ? nodepalette::good(f.dark) : nodepalette::bad(f.dark), em / 10,
        up ? Qt::SolidLine : Qt::DashLine));
    p.setBrush(Qt::NoBrush);
    p.drawPath(path);
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(up ? QColor(Qt::white) : f.pal.color(QPalette::Text));
    p.drawText(box, Qt::AlignCenter,
        QStringLiteral("HAProxy\n%1\n:%2").arg(lbPolicyName(lb->policy())).arg(lb->port()));
    p.setFont(font());
}

// After each node's caption, on its outer side: clear of its own link and
// ✕, and over any other line that passes (two columns behind a balancer).
void TopologyView::paintCounts(QPainter &p, const Frame &f) const
{
    p.setFont(font());
    for (int i = 0; i < f.layout.centres.size(); ++i) {
        if (const QString counts = linkCounts(i); !counts.isEmpty()) {
            p.setPen(f.pal.color(QPalette::PlaceholderText));
            drawOverLinks(p, f, i, f.layout.counters.at(i), counts);
        }
    }
}

// Words beside a node on the view's background, so that a link passing
// under them does not strike them through.
void TopologyView::drawOverLinks(
    QPainter &p, const Frame &f, int node, const QRectF &at, const QString &text) const
{
    const QFontMetricsF fm(font());
    const QString shown = fm.elidedText(text, Qt::ElideRight, at.width());
    const Qt::Alignment align = outwards(f.layout.centres.at(node), f) | Qt::AlignVCenter;
    p.fillRect(p.boundingRect(at, align, shown), f.pal.base());
    p.drawText(at, align, shown);
}

QString TopologyView::linkCounts(int index) const
{
    const quint64 up = m_flow.linkCount(index, TopologyFlow::kRedis);
    const quint64 down = m_flow.linkCount(TopologyFlow::kRedis, index);
    return up + down > 0 ? QStringLiteral("↑%1 ↓%2").arg(up).arg(down) : QString();
}

QString TopologyView::nodeCaption(int index) const
{
    FarmSupervisor &farm = m_workspace.supervisor();
    const FarmNode *node = farm.node(index);
    if (!node)
        return {};
    const bool healthy = node->process()->state() == ProcessState::Healthy;
    QString caption = healthy ? modeName(farm.nodeBackplane(index))
                              : processStateName(node->process()->state());
    // What HAProxy says of it first (sessions now, and UP / DRAIN / MAINT /
    // DOWN): when the caption is cut, the mode is what goes.
    if (const QString lb = balancerCaption(index); !lb.isEmpty())
        caption = lb + QStringLiteral(" · ") + caption;
    return caption;
}

Qt::Alignment TopologyView::outwards(const QPointF &node, const Frame &f)
{
    return node.x() >= f.layout.hub.center().x() ? Qt::AlignLeft : Qt::AlignRight;
}

void TopologyView::paintLegend(QPainter &p, const Frame &f) const
{
    QString legend = tr("↑ to Redis  ↓ from Redis (messages)  ╌ ✕ broken link");
    // Only while a link is faulted: the legend stays short otherwise.
    for (int i = 0; i < f.layout.centres.size(); ++i) {
        if (!linkFaultCaption(i).isEmpty()) {
            legend += tr("  ┈ link fault (hover the node)");
            break;
        }
    }
    p.setFont(font());
    p.setPen(f.pal.color(QPalette::PlaceholderText));
    p.drawText(QRectF(0, height() - f.em * 1.3, width(), f.em * 1.2),
        Qt::AlignHCenter | Qt::AlignVCenter, legend);
}

void TopologyView::paintRedis(QPainter &p, const Frame &f) const
{
    const double em = f.em;
    const bool up = redisUp();
    QPainterPath box;
    box.addRoundedRect(f.redisBox, em / 3, em / 3);
    // Healthy is a calm slate: orange means failure everywhere else in the app.
    p.fillPath(box, up ? QColor(0x3B, 0x4A, 0x5A) : f.pal.color(QPalette::Mid));
    p.setPen(QPen(up ? nodepalette::good(f.dark) : nodepalette::bad(f.dark), em / 10,
        up ? Qt::SolidLine : Qt::DashLine));
    p.drawPath(box);
    p.setPen(up ? QColor(Qt::white) : f.pal.color(QPalette::Text));
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    QString redisLabel = QStringLiteral("Redis");
    if (m_workspace.supervisor().cluster())
        return paintClusterBox(p, f, bold);
    if (RedisInstance *redis = m_workspace.supervisor().redis())
        redisLabel += up ? QStringLiteral("\n✓ :%1").arg(redis->port())
                         : QStringLiteral("\n✕ ") + processStateName(redis->process()->state());
    p.drawText(f.redisBox, Qt::AlignCenter, redisLabel);
}

void TopologyView::paintNodes(QPainter &p, const Frame &f) const
{
    const double em = f.em;
    const double nodeRadius = f.layout.nodeRadius;
    FarmSupervisor &farm = m_workspace.supervisor();
    QFont bold = font();
    bold.setBold(true);
    for (int i = 0; i < f.layout.centres.size(); ++i) {
        FarmNode *node = farm.node(i);
        const QPointF c = f.layout.centres.at(i);
        const QColor colour = nodepalette::nodeColour(m_workspace.colourOf(i), f.dark);
        const bool healthy = node->process()->state() == ProcessState::Healthy;
        p.setPen(QPen(healthy ? colour.darker(130) : nodepalette::bad(f.dark), em / 8,
            healthy ? Qt::SolidLine : Qt::DashLine));
        p.setBrush(healthy ? colour : f.pal.color(QPalette::Mid));
        p.drawEllipse(c, nodeRadius, nodeRadius);
        // The badge shrinks with a small circle rather than spill over its words.
        const QString badge = MessageDelegate::badgeText(node->name());
        QFont badgeFont = bold;
        const double wide = QFontMetricsF(bold).horizontalAdvance(badge);
        if (const double scale = qMax(0.5, 2 * nodeRadius / wide); scale < 1) {
            if (bold.pointSizeF() > 0)
                badgeFont.setPointSizeF(bold.pointSizeF() * scale);
            else
                badgeFont.setPixelSize(qMax(1, int(bold.pixelSize() * scale)));
        }
        p.setFont(badgeFont);
        p.setPen(healthy ? nodepalette::textOn(colour) : f.pal.color(QPalette::Text));
        p.drawText(f.layout.nodeBox(i), Qt::AlignCenter, badge);
        p.setFont(font());
        p.setPen(f.pal.color(QPalette::Text));
        drawOverLinks(p, f, i, f.layout.captions.at(i), nodeCaption(i));
    }
}

// Tokens in flight, and how many were only counted when there were too many.
void TopologyView::paintTokens(QPainter &p, const Frame &f) const
{
    const double em = f.em;
    // A token to or from Redis runs along its node's link.
    const auto endpoint = [&](int id, int other) {
        return id == TopologyFlow::kRedis ? f.layout.ends.value(other, f.redisCentre)
                                          : f.layout.centres.value(id);
    };
    p.setFont(font());
    for (const TopologyFlow::Token &token : m_flow.tokens()) {
        const double t = std::clamp(token.progress, 0.0, 1.0);
        if (token.from == token.to) {
            // Stayed on its node: a ring that grows and fades.
            QColor ring = nodepalette::nodeColour(m_workspace.colourOf(token.from), f.dark);
            ring.setAlphaF(1.0 - t);
            p.setBrush(Qt::NoBrush);
            p.setPen(QPen(ring, em / 6));
            const double r = f.layout.nodeRadius * (1.0 + t * 0.8);
            p.drawEllipse(f.layout.centres.value(token.from), r, r);
            continue;
        }
        const QPointF a = endpoint(token.from, token.to);
        const QPointF b = endpoint(token.to, token.from);
        const QPointF at = a + (b - a) * t;
        const int colourOf = token.from == TopologyFlow::kRedis ? token.to : token.from;
        const QColor dot = nodepalette::nodeColour(m_workspace.colourOf(colourOf), f.dark);
        p.setPen(QPen(f.pal.color(QPalette::Text), em / 16));
        p.setBrush(dot);
        const double r = em * (token.count > 1 ? 0.45 : 0.33);
        p.drawEllipse(at, r, r);
        if (token.count > 1) {
            p.setPen(f.pal.color(QPalette::Text));
            p.drawText(QRectF(at.x() + r, at.y() - em / 2, em * 3, em),
                Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("×%1").arg(token.count));
        }
    }
    if (m_flow.coalesced() > 0) {
        p.setPen(f.pal.color(QPalette::PlaceholderText));
        p.drawText(f.area.adjusted(em / 2, 0, -em / 2, -em / 4), Qt::AlignRight | Qt::AlignBottom,
            tr("busy: %1 messages counted on the links without a token").arg(m_flow.coalesced()));
    }
}

} // namespace farmchat
