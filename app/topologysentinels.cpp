// The Sentinel farm's part of the topology: the two Redis servers with the
// roles the Sentinels give them now, the replication link between them, and
// the three Sentinels under them; and the tooltips that show a caption cut short.
#include "app/topologyview.h"
#include "app/topologyview_p.h"

#include "app/farmworkspace.h"
#include "app/nodepalette_p.h"
#include "app/sentinelwatch.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/sentinelgroup.h"

#include <QHelpEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

namespace farmchat {

QString TopologyView::serverRole(int server) const
{
    const SentinelWatch &sentinels = m_workspace.sentinelWatch();
    const int primary = sentinels.primaryServer();
    if (!sentinels.isActive() || primary < 0 || server < 0 || server >= SentinelWatch::kServers)
        return {};
    return server == primary ? QStringLiteral("primary") : QStringLiteral("replica");
}

QString TopologyView::sentinelCaption() const
{
    const SentinelWatch &sentinels = m_workspace.sentinelWatch();
    if (!sentinels.isActive())
        return {};
    return sentinels.hasQuorum() ? tr("Sentinels: quorum ok")
                                 : tr("✕ no Sentinel quorum: no failover possible");
}

QString TopologyView::serverState(int server) const
{
    const FarmSupervisor &farm = m_workspace.supervisor();
    const int index = m_workspace.sentinelWatch().serverProcess(server);
    const ManagedProcess *process = farm.process(index);
    const quint16 port = m_workspace.sentinelWatch().serverPort(server);
    if (farm.isProcessPaused(index))
        return tr("⏸ paused :%1").arg(port);
    if (!serverUp(server) && process)
        return QStringLiteral("✕ ") + processStateName(process->state());
    return QStringLiteral("✓ :%1").arg(port);
}

bool TopologyView::serverUp(int server) const
{
    const FarmSupervisor &farm = m_workspace.supervisor();
    const int index = m_workspace.sentinelWatch().serverProcess(server);
    const ManagedProcess *process = farm.process(index);
    return process && process->state() == ProcessState::Healthy && !farm.isProcessPaused(index);
}

void TopologyView::paintServer(QPainter &p, const Frame &f, int server) const
{
    const double em = f.em;
    const bool up = serverUp(server);
    const QString role = serverRole(server);
    const bool primary = role == u"primary";
    const QRectF box = f.layout.servers.value(server);
    QPainterPath path;
    path.addRoundedRect(box, em / 3, em / 3);
    p.fillPath(path,
        !up           ? f.pal.color(QPalette::Mid)
            : primary ? QColor(0x3B, 0x4A, 0x5A)
                      : QColor(0x4A, 0x55, 0x60));
    p.setPen(QPen(up ? nodepalette::good(f.dark) : nodepalette::bad(f.dark),
        primary ? em / 7 : em / 12, up ? Qt::SolidLine : Qt::DashLine));
    p.setBrush(Qt::NoBrush);
    p.drawPath(path);
    // The role in bold on top, the state under it (elided; the tooltip has it all).
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(up ? QColor(Qt::white) : f.pal.color(QPalette::Text));
    const QRectF top(box.left(), box.center().y() - em, box.width(), em);
    p.drawText(top, Qt::AlignCenter, role.isEmpty() ? QStringLiteral("?") : role);
    p.setFont(font());
    const QRectF bottom(box.left(), box.center().y(), box.width(), em);
    // Up, the solid green frame is the ✓: the port alone fits the narrow box.
    const QString state = up
        ? QStringLiteral(":%1").arg(m_workspace.sentinelWatch().serverPort(server))
        : serverState(server);
    p.drawText(bottom, Qt::AlignCenter,
        QFontMetricsF(font()).elidedText(state, Qt::ElideRight, box.width() - em * 0.2));
    p.setFont(font());
}

void TopologyView::paintSentinels(QPainter &p, const Frame &f) const
{
    const double em = f.em;
    const SentinelWatch &sentinels = m_workspace.sentinelWatch();
    const FarmSupervisor &farm = m_workspace.supervisor();
    // Replication, from the primary to the other server.
    const QRectF a = f.layout.servers.value(0);
    const QRectF b = f.layout.servers.value(1);
    const bool replicating = serverUp(0) && serverUp(1) && sentinels.primaryServer() >= 0;
    p.setPen(QPen(replicating ? f.pal.color(QPalette::Mid) : nodepalette::bad(f.dark), em / 10,
        replicating ? Qt::SolidLine : Qt::DashLine));
    p.drawLine(QPointF(a.right(), a.center().y()), QPointF(b.left(), b.center().y()));
    for (int server = 0; server < SentinelWatch::kServers; ++server)
        paintServer(p, f, server);

    for (int i = 0; i < SentinelGroup::kSentinels; ++i) {
        const ManagedProcess *process = farm.process(sentinels.sentinelProcess(i));
        const bool up
            = process && process->state() == ProcessState::Healthy && sentinels.isReachable(i);
        const QRectF box = f.layout.sentinels.value(i);
        QPainterPath path;
        path.addRoundedRect(box, em / 4, em / 4);
        p.fillPath(path, up ? f.pal.color(QPalette::Button) : f.pal.color(QPalette::Mid));
        p.setPen(QPen(up ? nodepalette::good(f.dark) : nodepalette::bad(f.dark), em / 12,
            up ? Qt::SolidLine : Qt::DashLine));
        p.drawPath(path);
        p.setPen(up ? f.pal.color(QPalette::ButtonText) : f.pal.color(QPalette::Text));
        p.drawText(box, Qt::AlignCenter,
            QStringLiteral("%1 S%2")
                .arg(up ? QStringLiteral("✓") : QStringLiteral("✕"))
                .arg(i + 1));
    }
    const bool quorum = sentinels.hasQuorum();
    p.setPen(quorum ? f.pal.color(QPalette::PlaceholderText) : nodepalette::bad(f.dark));
    QFont captionFont = font();
    captionFont.setBold(!quorum);
    p.setFont(captionFont);
    // Wrapped onto the lines the layout gave it; what still does not fit is
    // elided (the whole caption is the tooltip).
    const QRectF &at = f.layout.quorum;
    const QFontMetricsF fm(captionFont);
    const int lines = qMax(1, int(at.height() / fm.height()));
    QString text = sentinelCaption();
    if (fm.boundingRect(at, Qt::AlignHCenter | Qt::TextWordWrap, text).height() > at.height())
        text = fm.elidedText(text, Qt::ElideRight, at.width() * lines - em);
    p.drawText(at, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, text);
    p.setFont(font());
}

bool TopologyView::event(QEvent *event)
{
    if (event->type() != QEvent::ToolTip || !placeholderText().isEmpty())
        return QWidget::event(event);
    const QPoint at = static_cast<QHelpEvent *>(event)->pos();
    const Frame f = frame();
    QString tip;
    for (int i = 0; i < f.layout.centres.size(); ++i) {
        if (f.layout.captions.at(i).contains(at))
            tip = nodeCaption(i);
        else if (f.layout.counters.at(i).contains(at))
            tip = linkCounts(i);
        else if (f.layout.nodeBox(i).contains(at))
            tip = m_workspace.supervisor().node(i)->name();
        else
            continue;
        if (const QString fault = linkFaultCaption(i); !fault.isEmpty())
            tip += tr("\nRedis link: %1").arg(fault);
    }
    if (f.layout.quorum.contains(at))
        tip = sentinelCaption();
    for (int server = 0; server < f.layout.servers.size(); ++server) {
        if (f.layout.servers.at(server).contains(at))
            tip = serverRole(server) + QStringLiteral(" ") + serverState(server);
    }
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(static_cast<QHelpEvent *>(event)->globalPos(), tip, this);
    return true;
}

} // namespace farmchat
