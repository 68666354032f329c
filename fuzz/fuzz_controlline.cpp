// libFuzzer target: what a script writes to farmchat-launcher --control stdin
// (parseControlLine, and LinkFault::fromJson inside it for "fault"). A line is
// refused with a reason, or it is a command the farm in view can run: a known
// op, a node in range, a fault that survives toJson() and fromJson().
#include "fuzz/fuzzinput.h"
#include "launcher/controlchannel_p.h"
#include "launcher/controlcommand_p.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace farmchat;

namespace {

ControlFarmView farmOf(uint8_t shape)
{
    ControlFarmView view;
    view.state = (shape & 1) ? FarmState::Running : FarmState::Starting;
    view.ownRedis = (shape & 2) != 0;
    view.balancer = (shape & 4) != 0;
    view.linkFaults = (shape & 8) != 0;
    for (int i = 0; i < 1 + (shape >> 4) % 4; ++i)
        view.nodePorts << quint16(9090 + i);
    return view;
}

void checkFault(const LinkFault &fault)
{
    const Result<LinkFault> again = LinkFault::fromJson(fault.toJson());
    if (!again)
        fuzz::fail("an accepted fault does not read back from its own JSON");
    if (!(again.value() == fault))
        fuzz::fail("a fault changed through toJson() and fromJson()");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const QList<ControlOpSpec> ops = ControlChannel::opSpecs();
    const ControlFarmView farm = farmOf(data[0]);
    const QByteArray line(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const ControlRequest request = parseControlLine(line, ops, farm);
    if (!request.command) {
        if (request.command.error().isEmpty())
            fuzz::fail("a refused line without a reason");
        return 0;
    }
    const ControlCommand &command = request.command.value();
    if (command.op < 0 || command.op >= ops.size())
        fuzz::fail("an accepted line names no op of the table");
    const ControlOpSpec &spec = ops.at(command.op);
    if ((spec.args & ControlArg::Node)
        && (command.node < 0 || command.node >= farm.nodePorts.size()))
        fuzz::fail("an accepted line names a node the farm does not have");
    if ((spec.needs & ControlNeed::Running) && farm.state != FarmState::Running)
        fuzz::fail("an op that needs a running farm was accepted while it starts");
    if ((spec.needs & ControlNeed::LinkFaults) && !farm.linkFaults)
        fuzz::fail("a link op was accepted on a farm without link proxies");
    if (spec.args & ControlArg::Fault)
        checkFault(command.fault);
    // The fault alone, as a script may send it.
    const QJsonDocument json = QJsonDocument::fromJson(line);
    if (json.isObject() && json.object().value(u"fault").isObject()) {
        const Result<LinkFault> fault
            = LinkFault::fromJson(json.object().value(u"fault").toObject());
        if (fault)
            checkFault(fault.value());
        else if (fault.error().isEmpty())
            fuzz::fail("a refused fault without a reason");
    }
    return 0;
}
