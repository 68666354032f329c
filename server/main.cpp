// farmchat-node: one chat node. Everything lives in FarmChat::Server; this
// only reads the command line, starts the node and prints its address.
#include "platform/signalwatcher.h"
#include "protocol/version.h"
#include "server/node.h"
#include "server/nodeconfig.h"

#include <QCoreApplication>

#include <cstdio>

using namespace farmchat;

namespace {

void print(std::FILE *stream, const QString &text)
{
    const QByteArray bytes = text.toLocal8Bit();
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stream);
    if (!text.endsWith(u'\n'))
        std::fputc('\n', stream);
    std::fflush(stream);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(NodeConfig::kProgram);
    QCoreApplication::setApplicationVersion(QStringLiteral(FARMCHAT_VERSION));
    qSetMessagePattern(QStringLiteral(
        "%{if-warning}warning: %{endif}%{if-critical}error: %{endif}%{category}: %{message}"));

    const auto parsed = NodeConfig::parse(
        QCoreApplication::arguments().mid(1), QProcessEnvironment::systemEnvironment());
    if (const auto status = CommandLine::finish(NodeConfig::kProgram, parsed))
        return *status;
    const NodeConfig &config = *parsed->options;

    SignalWatcher watcher;
    Node node(config);
    QObject::connect(
        &watcher, &SignalWatcher::terminationRequested, &node, [&node](const QString &name) {
            print(stderr, QStringLiteral("farmchat-node: %1 received, stopping").arg(name));
            node.stop();
        });
    QObject::connect(&node, &Node::stopped, &app, [] { QCoreApplication::exit(0); });
    if (const auto started = node.start(); !started) {
        print(stderr, QStringLiteral("farmchat-node: ") + started.error().message);
        return started.error().exitCode;
    }
    print(stdout, QStringLiteral("listening ") + node.url());
    return app.exec();
}
