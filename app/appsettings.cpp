#include "app/appsettings.h"

#include "launcher/farmflags.h"
#include "protocol/chatmessage.h"

#include <QSettings>

namespace farmchat {

namespace {

const QString kNodes = QStringLiteral("farm/nodes");
const QString kBasePort = QStringLiteral("farm/basePort");
const QString kNodeKind = QStringLiteral("farm/nodeKind");
const QString kBackplane = QStringLiteral("farm/backplane");
const QString kLoadBalancer = QStringLiteral("farm/loadBalancer");
const QString kSkipNegotiation = QStringLiteral("farm/skipNegotiation");
const QString kRedisTopology = QStringLiteral("redis/topology");
const QString kRedisMaxMemory = QStringLiteral("redis/maxmemory");
const QString kPaneNames = QStringLiteral("panes/names");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kWindowState = QStringLiteral("window/state");

} // namespace

AppSettings AppSettings::load(QSettings &settings)
{
    AppSettings s;
    bool ok = false;
    const int nodes = settings.value(kNodes).toInt(&ok);
    if (ok && nodes >= kMinNodes && nodes <= kMaxNodes)
        s.nodes = nodes;
    const uint port = settings.value(kBasePort).toUInt(&ok);
    if (ok && port >= kMinPort && port <= 65535 && portsFit(quint16(port), s.nodes))
        s.basePort = quint16(port);
    if (const auto kind = parseNodeKind(settings.value(kNodeKind).toString()))
        s.nodeKind = kind.value();
    if (const auto mode = parseBackplaneMode(settings.value(kBackplane).toString()))
        s.backplane = mode.value();
    if (const auto policy = parseLbPolicy(settings.value(kLoadBalancer).toString()))
        s.loadBalancer = policy.value();
    if (const auto topology = parseRedisTopology(settings.value(kRedisTopology).toString()))
        s.redisTopology = topology.value();
    s.skipNegotiation = settings.value(kSkipNegotiation).toString() == u"true";
    if (const auto cap = FarmFlags::parseMemorySize(
            settings.value(kRedisMaxMemory, FarmFlags::formatMemorySize(s.redisMaxMemoryBytes))
                .toString()))
        s.redisMaxMemoryBytes = cap.value();
    const QStringList names = settings.value(kPaneNames).toStringList();
    for (int i = 0; i < qMin(int(names.size()), kMaxNodes); ++i)
        s.paneNames << (checkUserName(names[i]).ok() ? names[i] : QString());
    s.geometry = settings.value(kGeometry).toByteArray();
    s.windowState = settings.value(kWindowState).toByteArray();
    return s;
}

void AppSettings::save(QSettings &settings) const
{
    settings.setValue(kNodes, nodes);
    settings.setValue(kBasePort, basePort);
    settings.setValue(kNodeKind, nodeKindName(nodeKind));
    settings.setValue(kBackplane, modeName(backplane));
    settings.setValue(kLoadBalancer, lbPolicyName(loadBalancer));
    settings.setValue(kSkipNegotiation, skipNegotiation);
    settings.setValue(kRedisTopology, redisTopologyName(redisTopology));
    settings.setValue(kRedisMaxMemory, FarmFlags::formatMemorySize(redisMaxMemoryBytes));
    settings.setValue(kPaneNames, paneNames);
    settings.setValue(kGeometry, geometry);
    settings.setValue(kWindowState, windowState);
}

QString AppSettings::paneName(int index) const
{
    const QString remembered = paneNames.value(index);
    return remembered.isEmpty() ? QStringLiteral("user-%1").arg(index + 1) : remembered;
}

void AppSettings::setPaneName(int index, const QString &name)
{
    if (index < 0 || index >= kMaxNodes)
        return;
    while (paneNames.size() <= index)
        paneNames << QString();
    paneNames[index] = name;
}

} // namespace farmchat
