// One hnswlib graph built and searched by several threads at once. hnswlib-node adds and searches
// one point per call on the calling thread, so a 10^6-vector graph took one core for minutes;
// hnswlib itself is made for concurrent addPoint and searchKnn (its per-node link locks), which this
// binding drives from a small pool of std::threads. It compiles against hnswlib-node's own copy of
// hnswlib, so the file it writes is the one hnswlib-node reads (the service keeps loading it so).
//
// Cosine as hnswlib-node does it: every vector divided by its float norm, inner-product space.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "hnswlib/hnswlib.h"

namespace {

using Graph = hnswlib::HierarchicalNSW<float>;

// a cosine distance this small is the same vector (a duplicate found instead of the row itself)
constexpr float kSameVector = 1e-6f;

void normalized(const float* src, size_t dim, float* dst) {
  // hnswlib-node's normalizePoint, to the bit: a float inner product, then a division per entry
  const float norm = std::sqrt(std::fabs(std::inner_product(src, src + dim, src, 0.0f)));
  for (size_t i = 0; i < dim; i++) dst[i] = norm > 0.0f ? src[i] / norm : src[i];
}

// Runs body(i, scratch) for i in [from, to) on `threads` threads taking the next i in turn; the
// first exception stops the others and is rethrown as a message.
template <typename Body>
std::string runParallel(size_t from, size_t to, size_t threads, size_t dim, Body body) {
  std::atomic<size_t> next{from};
  std::atomic<bool> failed{false};
  std::mutex m;
  std::string error;
  auto loop = [&]() {
    std::vector<float> scratch(dim);
    try {
      for (size_t i = next++; i < to && !failed.load(); i = next++) body(i, scratch.data());
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> g(m);
      if (!failed.exchange(true)) error = e.what();
    }
  };
  if (threads <= 1) {
    loop();
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; t++) pool.emplace_back(loop);
    for (auto& t : pool) t.join();
  }
  return error;
}

// A typed array kept alive while a worker reads or writes it off the JS thread.
template <typename T>
struct Pinned {
  Napi::Reference<Napi::TypedArrayOf<T>> ref;
  T* data = nullptr;
  size_t length = 0;
  void pin(Napi::TypedArrayOf<T> a) {
    ref = Napi::Persistent(a);
    data = a.Data();
    length = a.ElementLength();
  }
  // shared by the worker lambda, which must keep the JS array alive until it has run
  static std::shared_ptr<Pinned> of(Napi::TypedArrayOf<T> a) {
    auto p = std::make_shared<Pinned>();
    p->pin(a);
    return p;
  }
  // argument i when the caller passed a typed array there, else an empty pin (data == nullptr)
  static std::shared_ptr<Pinned> optional(const Napi::CallbackInfo& info, size_t i) {
    auto p = std::make_shared<Pinned>();
    if (info.Length() > i && info[i].IsTypedArray()) p->pin(info[i].As<Napi::TypedArrayOf<T>>());
    return p;
  }
};

class Task : public Napi::AsyncWorker {
 public:
  // `result` (optional) makes the value the promise resolves with, on the JS thread
  Task(Napi::Env env, std::function<std::string()> work, std::shared_ptr<std::atomic<bool>> busy,
       std::function<Napi::Value(Napi::Env)> result = nullptr)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        busy_(std::move(busy)),
        result_(std::move(result)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      error_ = work_();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }
  void OnOK() override {
    busy_->store(false);
    if (error_.empty()) deferred_.Resolve(result_ ? result_(Env()) : Env().Undefined());
    else deferred_.Reject(Napi::Error::New(Env(), error_).Value());
  }
  void OnError(const Napi::Error& e) override {
    busy_->store(false);
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<std::string()> work_;
  std::shared_ptr<std::atomic<bool>> busy_;
  std::function<Napi::Value(Napi::Env)> result_;
  std::string error_;
};

struct RepairStats {
  size_t unreachable = 0;  // bottom-layer nodes no path from the entry point reached
  size_t linked = 0;       // of them, given links from their nearest reachable nodes
  size_t unlinked = 0;     // left as they were: no reachable node had room for a link
};

// Appends node u to the bottom-layer links of the nodes `from` (nearest first) that have room, at
// most M of them, skipping those `skip` names; returns how many took it.
template <typename Skip>
size_t linkFrom(Graph* g, hnswlib::tableint u, const std::vector<hnswlib::tableint>& from, Skip skip) {
  size_t added = 0;
  for (const hnswlib::tableint w : from) {
    if (w == u || skip(w)) continue;
    hnswlib::linklistsizeint* ll = g->get_linklist0(w);
    const size_t size = g->getListCount(ll);
    if (size >= g->maxM0_) continue;
    reinterpret_cast<hnswlib::tableint*>(ll + 1)[size] = u;
    g->setListCount(ll, static_cast<unsigned short>(size + 1));
    if (++added >= g->M_) break;
  }
  return added;
}

// A row whose own vector's search does not find it sits where searches do not go; link it from
// the nodes that search ends at (nearest first, those with room, up to M), so the next search
// for it, or for a vector near it, steps from there to it and on to its real neighbours. Rows in
// the given order, one thread: the same graph and rows give the same links. Returns rows linked.
size_t linkLostRows(Graph* g, const float* matrix, size_t dim, const int32_t* rows, size_t count, size_t k) {
  std::vector<float> v(dim);
  size_t linked = 0;
  for (size_t i = 0; i < count; i++) {
    const hnswlib::labeltype label = static_cast<hnswlib::labeltype>(rows[i]);
    normalized(matrix + label * dim, dim, v.data());
    auto knn = g->searchKnn(v.data(), k);
    std::vector<hnswlib::tableint> near;  // farthest first, as the heap pops
    bool found = false;
    while (!knn.empty()) {
      found = found || knn.top().second == label || knn.top().first <= kSameVector;
      near.push_back(g->label_lookup_.at(knn.top().second));
      knn.pop();
    }
    if (found) continue;
    std::reverse(near.begin(), near.end());
    if (linkFrom(g, g->label_lookup_.at(label), near, [](hnswlib::tableint) { return false; }) > 0) linked++;
  }
  return linked;
}

// Links every bottom-layer node that no path from the entry point reaches (hnswlib's neighbour
// pruning can leave a node, or a small island, with no incoming link: a search never returns it,
// whatever ef) from its nearest reachable nodes that have room, up to M of them. The same graph
// gives the same links: nodes in internal order, one thread.
RepairStats repairReachability(Graph* g) {
  RepairStats st;
  const size_t n = g->cur_element_count;
  if (n == 0) return st;
  std::vector<char> seen(n, 0);
  std::vector<hnswlib::tableint> stack;
  auto visit = [&](hnswlib::tableint start) {
    if (seen[start]) return;
    seen[start] = 1;
    stack.push_back(start);
    while (!stack.empty()) {
      const hnswlib::tableint c = stack.back();
      stack.pop_back();
      hnswlib::linklistsizeint* ll = g->get_linklist0(c);
      const size_t size = g->getListCount(ll);
      const hnswlib::tableint* links = reinterpret_cast<hnswlib::tableint*>(ll + 1);
      for (size_t j = 0; j < size; j++) {
        if (!seen[links[j]]) {
          seen[links[j]] = 1;
          stack.push_back(links[j]);
        }
      }
    }
  };
  visit(g->enterpoint_node_);
  for (size_t u = 0; u < n; u++) st.unreachable += seen[u] ? 0 : 1;
  if (st.unreachable == 0) return st;
  const size_t want = g->maxM0_;
  const size_t ef = g->ef_;
  g->setEf(std::max(g->ef_construction_, want));
  for (size_t u = 0; u < n; u++) {
    if (seen[u]) continue;  // reached through a node linked before it
    auto knn = g->searchKnn(g->getDataByInternalId(u), want);
    std::vector<hnswlib::tableint> near;  // farthest first, as the heap pops
    while (!knn.empty()) {
      near.push_back(g->label_lookup_.at(knn.top().second));
      knn.pop();
    }
    std::reverse(near.begin(), near.end());
    if (linkFrom(g, static_cast<hnswlib::tableint>(u), near, [&](hnswlib::tableint w) { return !seen[w]; }) > 0) {
      st.linked++;
      visit(static_cast<hnswlib::tableint>(u));
    } else {
      st.unlinked++;
    }
  }
  g->setEf(ef);
  return st;
}

class ParallelGraph : public Napi::ObjectWrap<ParallelGraph> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports) {
    Napi::Function f = DefineClass(env, "ParallelGraph",
                                   {InstanceMethod("init", &ParallelGraph::Init_), InstanceMethod("read", &ParallelGraph::Read),
                                    InstanceMethod("addRows", &ParallelGraph::AddRows), InstanceMethod("search", &ParallelGraph::Search),
                                    InstanceMethod("write", &ParallelGraph::Write), InstanceMethod("repair", &ParallelGraph::Repair),
                                    InstanceMethod("linkLost", &ParallelGraph::LinkLost), InstanceMethod("count", &ParallelGraph::Count),
                                    InstanceMethod("release", &ParallelGraph::Release)});
    exports.Set("ParallelGraph", f);
    return exports;
  }

  explicit ParallelGraph(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ParallelGraph>(info) {
    dim_ = info[0].As<Napi::Number>().Uint32Value();
    if (dim_ == 0) Napi::TypeError::New(info.Env(), "dims must be positive").ThrowAsJavaScriptException();
    space_ = std::make_unique<hnswlib::InnerProductSpace>(dim_);
  }

 private:
  size_t dim_ = 0;
  std::unique_ptr<hnswlib::InnerProductSpace> space_;
  std::unique_ptr<Graph> graph_;
  std::shared_ptr<std::atomic<bool>> busy_ = std::make_shared<std::atomic<bool>>(false);

  // runs `work` off the JS thread; the promise settles with `result` (or undefined), the graph then free
  Napi::Value queue(Napi::Env env, std::function<std::string()> work, std::function<Napi::Value(Napi::Env)> result = nullptr) {
    auto* t = new Task(env, std::move(work), busy_, std::move(result));
    auto p = t->promise();
    t->Queue();
    return p;
  }

  // a caller's bad argument, found after claim(): the graph is free again
  Napi::Value refuse(Napi::Env env, const char* message) {
    busy_->store(false);
    Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  bool claim(Napi::Env env, bool needGraph) {
    if (busy_->exchange(true)) {
      Napi::Error::New(env, "the graph is busy with another call").ThrowAsJavaScriptException();
      return false;
    }
    if (needGraph && !graph_) {
      busy_->store(false);
      Napi::Error::New(env, "the graph is not initialized").ThrowAsJavaScriptException();
      return false;
    }
    return true;
  }

  // init(maxElements, M, efConstruction, seed)
  Napi::Value Init_(const Napi::CallbackInfo& info) {
    if (!claim(info.Env(), false)) return info.Env().Undefined();
    const size_t maxElements = info[0].As<Napi::Number>().Int64Value();
    const size_t m = info[1].As<Napi::Number>().Int64Value();
    const size_t efc = info[2].As<Napi::Number>().Int64Value();
    const size_t seed = info[3].As<Napi::Number>().Int64Value();
    graph_.reset();
    try {
      graph_ = std::make_unique<Graph>(space_.get(), maxElements, m, efc, seed);
    } catch (const std::exception& e) {
      busy_->store(false);
      Napi::Error::New(info.Env(), e.what()).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    busy_->store(false);
    return info.Env().Undefined();
  }

  // read(file): Promise; loads a graph written by write() or hnswlib-node's writeIndex
  Napi::Value Read(const Napi::CallbackInfo& info) {
    if (!claim(info.Env(), false)) return info.Env().Undefined();
    const std::string file = info[0].As<Napi::String>().Utf8Value();
    graph_.reset();
    auto work = [this, file]() -> std::string {
      graph_ = std::make_unique<Graph>(space_.get(), file);
      return "";
    };
    return queue(info.Env(), work);
  }

  // addRows(matrix: Float32Array, from, to, threads, order?: Int32Array): Promise; label = row number.
  // With `order`, [from, to) are positions in it: the rows are inserted in that order
  Napi::Value AddRows(const Napi::CallbackInfo& info) {
    if (!claim(info.Env(), true)) return info.Env().Undefined();
    auto matrix = Pinned<float>::of(info[0].As<Napi::Float32Array>());
    const size_t from = info[1].As<Napi::Number>().Int64Value();
    const size_t to = info[2].As<Napi::Number>().Int64Value();
    const size_t threads = info[3].As<Napi::Number>().Int64Value();
    // optional: the rows in insertion order, [from, to) then being positions in it
    auto order = Pinned<int32_t>::optional(info, 4);
    const size_t rows = matrix->length / dim_;
    if (from > to || (order->data ? to > order->length : to > rows)) {
      return refuse(info.Env(), "rows out of the matrix");
    }
    Graph* g = graph_.get();
    const size_t dim = dim_;
    auto work = [g, matrix, order, from, to, threads, dim, rows]() -> std::string {
      return runParallel(from, to, threads, dim, [&](size_t p, float* v) {
        const size_t r = order->data ? static_cast<size_t>(order->data[p]) : p;
        if (r >= rows) throw std::runtime_error("an insertion row is out of the matrix");
        normalized(matrix->data + r * dim, dim, v);
        g->addPoint(v, r);
      });
    };
    return queue(info.Env(), work);
  }

  // search(matrix, order: Int32Array, from, to, k, ef, labels: Int32Array, dists: Float32Array,
  //        outFrom, width, threads): Promise. For p in [from, to): the k nearest of row order[p],
  // nearest first, into entries [(outFrom + p - from) * width, ... + width), label -1 past the end.
  Napi::Value Search(const Napi::CallbackInfo& info) {
    if (!claim(info.Env(), true)) return info.Env().Undefined();
    auto matrix = Pinned<float>::of(info[0].As<Napi::Float32Array>());
    auto order = Pinned<int32_t>::of(info[1].As<Napi::Int32Array>());
    const size_t from = info[2].As<Napi::Number>().Int64Value();
    const size_t to = info[3].As<Napi::Number>().Int64Value();
    const size_t k = info[4].As<Napi::Number>().Int64Value();
    const size_t ef = info[5].As<Napi::Number>().Int64Value();
    auto labels = Pinned<int32_t>::of(info[6].As<Napi::Int32Array>());
    auto dists = Pinned<float>::of(info[7].As<Napi::Float32Array>());
    const size_t outFrom = info[8].As<Napi::Number>().Int64Value();
    const size_t width = info[9].As<Napi::Number>().Int64Value();
    const size_t threads = info[10].As<Napi::Number>().Int64Value();
    const size_t rows = matrix->length / dim_;
    // optional: lost[row] = 1 when a row's search did not return the row itself (nor an equal vector)
    auto lost = Pinned<uint8_t>::optional(info, 11);
    if (lost->data && lost->length < rows) {
      return refuse(info.Env(), "the lost flags are shorter than the matrix");
    }
    if (from > to || to > order->length || k > width || (outFrom + to - from) * width > labels->length || labels->length != dists->length) {
      return refuse(info.Env(), "search range out of its buffers");
    }
    Graph* g = graph_.get();
    g->setEf(ef);
    const size_t dim = dim_;
    auto work = [g, matrix, order, labels, dists, lost, from, to, k, outFrom, width, threads, dim, rows]() -> std::string {
      return runParallel(from, to, threads, dim, [&](size_t p, float* v) {
        const int32_t row = order->data[p];
        if (row < 0 || static_cast<size_t>(row) >= rows) throw std::runtime_error("a search row is out of the matrix");
        normalized(matrix->data + static_cast<size_t>(row) * dim, dim, v);
        const size_t base = (outFrom + p - from) * width;
        size_t got = 0;
        if (k > 0) {
          auto knn = g->searchKnn(v, k);
          got = knn.size();
          // the heap pops the farthest first: fill from the back, as hnswlib-node does
          for (size_t j = got; j-- > 0;) {
            labels->data[base + j] = static_cast<int32_t>(knn.top().second);
            dists->data[base + j] = knn.top().first;
            knn.pop();
          }
        }
        for (size_t j = got; j < width; j++) labels->data[base + j] = -1;
        if (lost->data && k > 0) {
          bool self = got > 0 && dists->data[base] <= kSameVector;
          for (size_t j = 0; j < got && !self; j++) self = labels->data[base + j] == row;
          lost->data[row] = self ? 0 : 1;
        }
      });
    };
    return queue(info.Env(), work);
  }

  // repair(): Promise<{ unreachable, linked, unlinked }> (repairReachability)
  Napi::Value Repair(const Napi::CallbackInfo& info) {
    if (!claim(info.Env(), true)) return info.Env().Undefined();
    Graph* g = graph_.get();
    auto st = std::make_shared<RepairStats>();
    auto work = [g, st]() -> std::string {
      *st = repairReachability(g);
      return "";
    };
    auto result = [st](Napi::Env env) -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      o.Set("unreachable", Napi::Number::New(env, static_cast<double>(st->unreachable)));
      o.Set("linked", Napi::Number::New(env, static_cast<double>(st->linked)));
      o.Set("unlinked", Napi::Number::New(env, static_cast<double>(st->unlinked)));
      return o;
    };
    return queue(info.Env(), work, result);
  }

  // linkLost(matrix, rows: Int32Array, k, ef): Promise<number> (linkLostRows)
  Napi::Value LinkLost(const Napi::CallbackInfo& info) {
    if (!claim(info.Env(), true)) return info.Env().Undefined();
    auto matrix = Pinned<float>::of(info[0].As<Napi::Float32Array>());
    auto rows = Pinned<int32_t>::of(info[1].As<Napi::Int32Array>());
    const size_t k = info[2].As<Napi::Number>().Int64Value();
    const size_t ef = info[3].As<Napi::Number>().Int64Value();
    const size_t n = matrix->length / dim_;
    for (size_t i = 0; i < rows->length; i++) {
      if (rows->data[i] < 0 || static_cast<size_t>(rows->data[i]) >= n) {
        return refuse(info.Env(), "a row to link is out of the matrix");
      }
    }
    Graph* g = graph_.get();
    g->setEf(ef);
    const size_t dim = dim_;
    auto linked = std::make_shared<size_t>(0);
    auto work = [g, matrix, rows, k, dim, linked]() -> std::string {
      *linked = linkLostRows(g, matrix->data, dim, rows->data, rows->length, k);
      return "";
    };
    auto result = [linked](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, static_cast<double>(*linked)); };
    return queue(info.Env(), work, result);
  }

  // write(file): Promise
  Napi::Value Write(const Napi::CallbackInfo& info) {
    if (!claim(info.Env(), true)) return info.Env().Undefined();
    const std::string file = info[0].As<Napi::String>().Utf8Value();
    Graph* g = graph_.get();
    auto work = [g, file]() -> std::string {
      g->saveIndex(file);
      return "";
    };
    return queue(info.Env(), work);
  }

  Napi::Value Count(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), graph_ ? static_cast<double>(graph_->getCurrentElementCount()) : 0);
  }

  // frees the graph now: its memory is invisible to V8
  Napi::Value Release(const Napi::CallbackInfo& info) {
    if (!claim(info.Env(), false)) return info.Env().Undefined();
    graph_.reset();
    busy_->store(false);
    return info.Env().Undefined();
  }
};

}  // namespace

Napi::Object InitAll(Napi::Env env, Napi::Object exports) { return ParallelGraph::Init(env, exports); }

NODE_API_MODULE(marquee_parallel_graph, InitAll)
