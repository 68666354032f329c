#pragma once

#include "bench/loadgen/chatwire.h"
#include "bench/loadgen/wsframe.h"

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <string_view>

// One benchmark client connection: a non-blocking TCP socket driven by the
// LoadDriver's epoll loop, walking through (negotiate →) WebSocket upgrade →
// protocol handshake → room join → ready, then sending chat messages and
// reporting every tagged delivery. Cheap enough to run 10,000 in one thread.
namespace farmchat::bench {

struct Endpoint
{
    std::string host;
    std::uint16_t port = 0;
    std::string path;
    int group = 0; // index of the URL in the command line: one node
    sockaddr_in address {};
};

class BenchClient;

// What a client tells its owner; the LoadDriver implements it.
class ClientListener
{
public:
    virtual void clientReady(BenchClient &client) = 0;
    virtual void clientFailed(BenchClient &client, const std::string &why) = 0;
    virtual void delivery(BenchClient &client, const chatwire::Tag &tag) = 0;
    virtual void protocolError(BenchClient &client, std::string_view what) = 0;

protected:
    ~ClientListener() = default;
};

class BenchClient
{
public:
    enum class State {
        Idle,
        Connecting,
        Negotiating,
        Upgrading,
        Handshaking,
        Joining,
        Ready,
        Closed
    };

    BenchClient(int index, const Endpoint &endpoint, WireKind kind, std::string room,
        ClientListener &listener);
    ~BenchClient();
    BenchClient(const BenchClient &) = delete;
    BenchClient &operator=(const BenchClient &) = delete;

    // Connects from this loopback address (host order; 0: the kernel's
    // choice): one 127.x source address offers its own ~28,000 ephemeral
    // ports towards a node's port, so 50,000 clients need two or more.
    void setSourceAddress(std::uint32_t address) { m_source = address; }
    // Opens the TCP connection (EINPROGRESS) and registers it with epfd.
    void start(int epfd, bool negotiate);
    void onEvents(std::uint32_t events);
    // Sends one chat message (Ready only); returns false when the socket is gone.
    bool sendChat(std::string_view text);
    // Keeps a quiet client alive past the server's idle timeout.
    void keepAlive(std::int64_t nowNs, std::int64_t intervalNs);
    // Sends a close frame (1000) and closes the socket.
    void close();

    int index() const { return m_index; }
    int group() const { return m_endpoint.group; }
    State state() const { return m_state; }
    std::size_t pendingOutput() const { return m_out.size() - m_outPos; }

private:
    void connectSocket();
    void onWritable();
    void onReadable();
    void handleHttp();
    void upgraded(std::string_view rest);
    void handleFrames();
    void handleText(std::string_view payload);
    void handleSignalrRecord(std::string_view record);
    void handleSocketIo(std::string_view packet);
    void queueFrame(WsOpcode opcode, std::string_view payload);
    void queueRaw(std::string_view bytes);
    void flush();
    void setWantWrite(bool want);
    void fail(const std::string &why);
    void closeSocket();
    std::uint32_t nextMask();

    int m_index;
    const Endpoint &m_endpoint;
    WireKind m_kind;
    std::string m_room;
    ClientListener &m_listener;
    std::uint32_t m_source = 0;
    int m_epfd = -1;
    int m_fd = -1;
    State m_state = State::Idle;
    bool m_negotiate = false;
    bool m_wantWrite = false;
    std::string m_token;
    std::string m_key;
    std::string m_in; // HTTP phase only
    std::string m_out;
    std::size_t m_outPos = 0;
    WsFrameParser m_parser {false};
    WsMessage m_message;
    std::uint64_t m_rng;
    std::int64_t m_lastSendNs = 0;
};

} // namespace farmchat::bench
