// farmchat-loadgen: the benchmark's load generator and its physical reference
// server. See docs/BENCHMARK.md; bench/run drives it.
#include "bench/loadgen/fanoutserver.h"
#include "bench/loadgen/loaddriver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <arpa/inet.h>
#include <cstdio>
#include <sys/resource.h>

using namespace farmchat::bench;

namespace {

int usageError(const QString &message)
{
    std::fprintf(stderr, "farmchat-loadgen: %s (try --help)\n", qPrintable(message));
    return 2;
}

farmchat::Result<Endpoint> parseEndpoint(const QString &text, int group)
{
    using Outcome = farmchat::Result<Endpoint>;
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || url.port() <= 0
        || (scheme != QLatin1String("http") && scheme != QLatin1String("ws")))
        return Outcome::failure(
            QStringLiteral("'%1' is not an http:// or ws:// URL with a port").arg(text));
    Endpoint endpoint;
    QString host = url.host();
    if (host == QLatin1String("localhost"))
        host = QStringLiteral("127.0.0.1");
    endpoint.address.sin_family = AF_INET;
    endpoint.address.sin_port = htons(static_cast<std::uint16_t>(url.port()));
    if (inet_pton(AF_INET, host.toLatin1().constData(), &endpoint.address.sin_addr) != 1
        || (ntohl(endpoint.address.sin_addr.s_addr) >> 24) != 127)
        return Outcome::failure(
            QStringLiteral("'%1': the load generator only targets loopback (127.x.x.x)").arg(text));
    endpoint.host = host.toStdString();
    endpoint.port = static_cast<std::uint16_t>(url.port());
    endpoint.path = url.path(QUrl::FullyEncoded).toStdString();
    if (endpoint.path.empty())
        endpoint.path.push_back('/');
    endpoint.group = group;
    return endpoint;
}

double ms(std::int64_t ns)
{
    return double(ns) / 1e6;
}

QJsonObject stepJson(const StepResult &r, bool pass)
{
    return QJsonObject {
        {QStringLiteral("target"), r.targetDeliveriesPerSecond},
        {QStringLiteral("sendsPerSecond"), r.sendsPerSecond},
        {QStringLiteral("seconds"), r.seconds},
        {QStringLiteral("sent"), double(r.sent)},
        {QStringLiteral("expected"), double(r.expected)},
        {QStringLiteral("delivered"), double(r.delivered)},
        {QStringLiteral("lost"), double(r.lost)},
        {QStringLiteral("duplicated"), double(r.duplicated)},
        {QStringLiteral("unexpected"), double(r.unexpected)},
        {QStringLiteral("deliveriesPerSecond"), r.deliveriesPerSecond},
        {QStringLiteral("inWindow"), double(r.inWindow)},
        {QStringLiteral("drained"), r.drained},
        {QStringLiteral("p50_ms"), ms(r.latency.percentile(50))},
        {QStringLiteral("p90_ms"), ms(r.latency.percentile(90))},
        {QStringLiteral("p99_ms"), ms(r.latency.percentile(99))},
        {QStringLiteral("max_ms"), ms(r.latency.max())},
        {QStringLiteral("errors"), r.clientErrors},
        {QStringLiteral("pass"), pass},
    };
}

QJsonObject connectJson(const ConnectResult &c)
{
    return QJsonObject {
        {QStringLiteral("ready"), c.ready},
        {QStringLiteral("failed"), c.failed},
        {QStringLiteral("seconds"), c.seconds},
        {QStringLiteral("perSecond"), c.seconds > 0 ? c.ready / c.seconds : 0.0},
        {QStringLiteral("firstError"), QString::fromStdString(c.firstError)},
    };
}

void print(const QJsonObject &o)
{
    std::fputs(QJsonDocument(o).toJson(QJsonDocument::Compact).constData(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void raiseFileLimit()
{
    rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("farmchat-loadgen"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Benchmark load generator for SignalR (FarmChat and ASP.NET Core nodes), Socket.IO and a\n"
        "raw loopback fan-out.\n"
        "modes: run | ramp | connect | idle | serve"));
    parser.addHelpOption();
    parser.addPositionalArgument(
        QStringLiteral("mode"), QStringLiteral("run, ramp, connect, idle or serve"));
    const auto opt = [&parser](const char *name, const char *help, const char *def = nullptr) {
        QCommandLineOption o(QString::fromLatin1(name), QString::fromLatin1(help));
        if (def) {
            o.setValueName(QStringLiteral("v"));
            o.setDefaultValue(QString::fromLatin1(def));
        }
        parser.addOption(o);
        return o;
    };
    const auto protocolOpt = opt("protocol", "signalr | socketio | raw", "signalr");
    QCommandLineOption urlOpt(
        QStringLiteral("url"), QStringLiteral("endpoint, repeat per node"), QStringLiteral("url"));
    parser.addOption(urlOpt);
    const auto clientsOpt = opt("clients", "clients, spread round-robin over the URLs", "100");
    const auto rateOpt = opt("rate", "run: deliveries per second", "10000");
    const auto durationOpt = opt("duration", "run: seconds of sending", "5");
    const auto warmupOpt
        = opt("warmup", "seconds of warm-up at the first rate (not measured)", "1");
    const auto drainOpt = opt("drain", "seconds to wait for outstanding deliveries", "2");
    const auto expectOpt = opt(
        "expect", "all: every client gets every message; node: only the sender's node", "all");
    const auto roomsOpt = opt("rooms",
        "clients spread over this many rooms (each on every node); a message is for its "
        "sender's room",
        "1");
    const auto sendersOpt = opt(
        "senders", "only the first N clients send (0: all); with --rooms, one room each", "0");
    const auto sourcesOpt = opt("source-addresses",
        "connect from 127.0.0.1 .. 127.0.0.N in turn (each has its own ephemeral ports)", "1");
    const auto negotiateOpt = opt("negotiate", "SignalR: POST /negotiate before the upgrade");
    const auto textOpt = opt("text-bytes", "bytes of message text", "64");
    const auto concurrencyOpt = opt("concurrency", "connects in flight at once", "256");
    const auto connectTimeoutOpt = opt("connect-timeout", "seconds to connect every client", "60");
    const auto startOpt = opt("start", "ramp: first rate (deliveries/s)", "20000");
    const auto factorOpt = opt("factor", "ramp: rate multiplier while passing", "2");
    const auto stepOpt = opt("step", "ramp: seconds per step", "2");
    const auto maxStepsOpt = opt("max-steps", "ramp: most steps", "12");
    const auto p99Opt = opt("p99-limit-ms", "ramp: a step passes while p99 stays under this", "50");
    const auto precisionOpt
        = opt("precision", "ramp: stop when fail/pass rates are this close", "1.15");
    const auto holdOpt = opt("hold", "idle: seconds to hold the connections", "30");
    const auto portOpt = opt("port", "serve: port on 127.0.0.1 (0 = free)", "0");
    parser.process(app);

    raiseFileLimit();
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(QStringLiteral("give exactly one mode"));
    const QString mode = positional.first();

    if (mode == QLatin1String("serve")) {
        FanoutServer server;
        const farmchat::Result<void> listening
            = server.listen(static_cast<std::uint16_t>(parser.value(portOpt).toUInt()));
        if (!listening) {
            std::fprintf(stderr, "farmchat-loadgen: %s\n", qPrintable(listening.error()));
            return 3;
        }
        std::printf("listening ws://127.0.0.1:%u\n", unsigned(server.port()));
        std::fflush(stdout);
        return server.exec();
    }
    if (mode != QLatin1String("run") && mode != QLatin1String("ramp")
        && mode != QLatin1String("connect") && mode != QLatin1String("idle"))
        return usageError(QStringLiteral("unknown mode '%1'").arg(mode));

    DriverOptions options;
    const auto kind = chatwire::parseKind(parser.value(protocolOpt).toStdString());
    if (!kind)
        return usageError(QStringLiteral("unknown --protocol '%1'").arg(parser.value(protocolOpt)));
    options.kind = kind.value();
    const QStringList urls = parser.values(urlOpt);
    if (urls.isEmpty())
        return usageError(QStringLiteral("give at least one --url"));
    for (int i = 0; i < urls.size(); ++i) {
        const farmchat::Result<Endpoint> endpoint = parseEndpoint(urls[i], i);
        if (!endpoint)
            return usageError(endpoint.error());
        options.endpoints.push_back(endpoint.value());
    }
    bool ok = false;
    options.clients = parser.value(clientsOpt).toInt(&ok);
    if (!ok || options.clients < 1 || options.clients > 60000)
        return usageError(QStringLiteral("--clients must be 1..60000"));
    options.rooms = parser.value(roomsOpt).toInt(&ok);
    if (!ok || options.rooms < 1 || options.rooms > 10000)
        return usageError(QStringLiteral("--rooms must be 1..10000"));
    options.senders = parser.value(sendersOpt).toInt(&ok);
    if (!ok || options.senders < 0 || options.senders > options.clients)
        return usageError(QStringLiteral("--senders must be 0..--clients"));
    options.sourceAddresses = parser.value(sourcesOpt).toInt(&ok);
    if (!ok || options.sourceAddresses < 1 || options.sourceAddresses > 254)
        return usageError(QStringLiteral("--source-addresses must be 1..254"));
    options.negotiate = parser.isSet(negotiateOpt);
    options.textBytes = std::clamp(parser.value(textOpt).toInt(), 24, 4000);
    options.connectConcurrency = std::max(1, parser.value(concurrencyOpt).toInt());
    const QString expect = parser.value(expectOpt);
    if (expect != QLatin1String("all") && expect != QLatin1String("node"))
        return usageError(QStringLiteral("--expect is all or node"));
    options.expectSameNodeOnly = expect == QLatin1String("node");

    QJsonObject out {{QStringLiteral("mode"), mode},
        {QStringLiteral("protocol"), parser.value(protocolOpt)},
        {QStringLiteral("clients"), options.clients}, {QStringLiteral("rooms"), options.rooms},
        {QStringLiteral("nodes"), int(options.endpoints.size())}};
    LoadDriver driver(options);
    const ConnectResult connected
        = driver.connectAll(int(parser.value(connectTimeoutOpt).toDouble() * 1000));
    out.insert(QStringLiteral("connect"), connectJson(connected));
    if (connected.ready < options.clients) {
        out.insert(QStringLiteral("error"),
            QStringLiteral("only %1 of %2 clients connected: %3")
                .arg(connected.ready)
                .arg(options.clients)
                .arg(QString::fromStdString(connected.firstError)));
        print(out);
        return 1;
    }

    if (mode == QLatin1String("connect")) {
        print(out);
        return 0;
    }
    if (mode == QLatin1String("idle")) {
        print(QJsonObject {{QStringLiteral("event"), QStringLiteral("ready")},
            {QStringLiteral("clients"), connected.ready}});
        driver.idle(int(parser.value(holdOpt).toDouble() * 1000));
        out.insert(QStringLiteral("failedWhileIdle"), driver.failedCount());
        print(out);
        return driver.failedCount() == 0 ? 0 : 1;
    }

    const int drainMs = int(parser.value(drainOpt).toDouble() * 1000);
    const double p99LimitMs = parser.value(p99Opt).toDouble();
    const double warmup = parser.value(warmupOpt).toDouble();
    out.insert(QStringLiteral("fanout"), driver.fanout());
    if (mode == QLatin1String("run")) {
        const double rate = parser.value(rateOpt).toDouble();
        if (warmup > 0)
            driver.runStep(rate, int(warmup * 1000), drainMs);
        // The runner samples the farm's CPU time between these two events.
        print(QJsonObject {{QStringLiteral("event"), QStringLiteral("measure-start")}});
        const StepResult r
            = driver.runStep(rate, int(parser.value(durationOpt).toDouble() * 1000), drainMs);
        print(QJsonObject {{QStringLiteral("event"), QStringLiteral("measure-end")}});
        out.insert(QStringLiteral("result"),
            stepJson(r, r.lost == 0 && r.duplicated == 0 && r.clientErrors == 0));
        out.insert(QStringLiteral("firstError"), QString::fromStdString(driver.firstError()));
        print(out);
        return 0;
    }

    // ramp: raise the rate while a step passes, then bisect between the last
    // pass and the first failure until they are `precision` apart.
    double rate = parser.value(startOpt).toDouble();
    const double factor = std::max(1.05, parser.value(factorOpt).toDouble());
    const double precision = std::max(1.01, parser.value(precisionOpt).toDouble());
    const int stepMs = int(parser.value(stepOpt).toDouble() * 1000);
    const int maxSteps = parser.value(maxStepsOpt).toInt();
    if (warmup > 0)
        driver.runStep(rate / 2, int(warmup * 1000), drainMs);
    QJsonArray steps;
    double bestRate = 0, bestAchieved = 0, failRate = 0;
    QJsonObject best;
    for (int i = 0; i < maxSteps; ++i) {
        const StepResult r = driver.runStep(rate, stepMs, drainMs);
        const double p99 = ms(r.latency.percentile(99));
        const bool pass = r.drained && r.lost == 0 && r.clientErrors == 0 && p99 <= p99LimitMs
            && r.deliveriesPerSecond >= 0.95 * rate && r.inWindow >= 0.5 * r.expected;
        QJsonObject step = stepJson(r, pass);
        steps.append(step);
        if (pass) {
            if (r.deliveriesPerSecond > bestAchieved) {
                bestAchieved = r.deliveriesPerSecond;
                best = step;
            }
            bestRate = std::max(bestRate, rate);
        } else {
            failRate = failRate > 0 ? std::min(failRate, rate) : rate;
            // Let the backlog of an overloaded step clear before the next one.
            if (!driver.idle(8000, 300))
                break;
        }
        if (failRate > 0 && bestRate > 0 && failRate / bestRate <= precision)
            break;
        if (driver.readyCount() < options.clients)
            break;
        if (failRate == 0)
            rate *= factor;
        else if (bestRate == 0)
            rate = failRate / factor;
        else
            rate = std::sqrt(bestRate * failRate);
    }
    out.insert(QStringLiteral("steps"), steps);
    out.insert(QStringLiteral("maxSustainable"), bestAchieved);
    out.insert(QStringLiteral("best"), best);
    out.insert(QStringLiteral("firstError"), QString::fromStdString(driver.firstError()));
    print(out);
    return 0;
}
