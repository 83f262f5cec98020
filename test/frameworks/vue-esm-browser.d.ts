// The self-contained browser build of Vue (runtime + template compiler) has the types of 'vue'.
declare module 'vue/dist/vue.esm-browser.js' {
  export * from 'vue';
}
